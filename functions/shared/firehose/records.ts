import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import { InvalidInputError } from '../errors';

/**
 * Codec for Firehose data-transformation records: decode what Firehose sends,
 * encode the Ok / Dropped / ProcessingFailed results it expects back.
 */

/** Firehose rejects a transformation response larger than this (Lambda's synchronous payload cap). */
export const FIREHOSE_RESPONSE_LIMIT_BYTES = 6_000_000;

export type PartitionKeys = Readonly<Record<string, string>>;

export function decodeRecordData(record: Pick<FirehoseTransformationEventRecord, 'data'>): Buffer {
  return Buffer.from(record.data, 'base64');
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Decodes record data into one buffer reused from record to record (no allocation per record,
 * and about twice as fast as decodeRecordData): the view returned is valid until the next call.
 */
export function decodeRecordDataReusing(record: Pick<FirehoseTransformationEventRecord, 'data'>): Buffer {
  const most = Math.ceil(record.data.length / 4) * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  return scratch.subarray(0, scratch.write(record.data, 0, 'base64'));
}

/**
 * Whether `decoded` is all of `data`: Node skips characters that are not base64, so a record
 * whose data is not canonical base64 decodes short (`!!!!` decodes to nothing, which would read
 * as a blank line). Firehose sends canonical, padded base64; a length check is enough.
 */
export function decodedWhole(data: string, decoded: Buffer): boolean {
  if (data.length % 4 !== 0) return false;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return decoded.byteLength === (data.length / 4) * 3 - padding;
}

export function okResult(
  recordId: string,
  payload: string | Buffer,
  partitionKeys?: PartitionKeys,
): FirehoseTransformationResultRecord {
  const data = (typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload).toString('base64');
  return partitionKeys
    ? { recordId, result: 'Ok', data, metadata: { partitionKeys: { ...partitionKeys } } }
    : { recordId, result: 'Ok', data };
}

/** Dropped records carry no data: Firehose discards them, so sending bytes back only costs response size. */
export function droppedResult(recordId: string): FirehoseTransformationResultRecord {
  return { recordId, result: 'Dropped' };
}

/** The original bytes go back untouched so Firehose writes them to the error prefix and nothing is lost. */
export function processingFailedResult(
  record: Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>,
): FirehoseTransformationResultRecord {
  return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
}

const RESPONSE_ENVELOPE_BYTES = '{"records":[]}'.length;

/**
 * Exact byte length of one result inside `JSON.stringify({ records })`, computed
 * without serialising its (large, base64) data a second time. `recordIdBytes` is its id's
 * serialised size when the caller measured it already.
 */
export function serialisedResultBytes(
  result: FirehoseTransformationResultRecord,
  recordIdBytes: number = jsonStringBytes(result.recordId),
): number {
  // {"recordId":<id>,"result":"<r>"  [,"data":"<b64>"]  [,"metadata":<metadata>]  }
  let bytes = 12 + recordIdBytes + 11 + result.result.length + 1;
  if (result.data !== undefined) bytes += 9 + result.data.length + 1;
  if (result.metadata !== undefined) bytes += 12 + metadataBytes(result.metadata);
  return bytes + 1;
}

/** `{"recordId":<id>,"result":"Dropped"}`, from the id's serialised size. */
const droppedResultBytes = (recordIdBytes: number) => 12 + recordIdBytes + 11 + 'Dropped'.length + 2;

/**
 * Bytes of JSON.stringify(text) by arithmetic when every character is printable ASCII that JSON
 * leaves alone (record ids are base64-like, keys are digits and names); anything else is measured.
 */
function jsonStringBytes(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c)
      return Buffer.byteLength(JSON.stringify(text));
  }
  return text.length + 2;
}

// The last frozen metadata object measured: a transform shares one per request hour, and a
// frozen object (with frozen keys) cannot have changed since.
let lastFrozenMetadata: FirehoseTransformationResultRecord['metadata'];
let lastFrozenMetadataBytes = 0;
// The previous keys' contents and size: consecutive records mostly share an hour.
let lastKeys: Record<string, string> | undefined;
let lastKeysBytes = 0;

function metadataBytes(metadata: NonNullable<FirehoseTransformationResultRecord['metadata']>): number {
  if (metadata === lastFrozenMetadata) return lastFrozenMetadataBytes;
  const keys = metadata.partitionKeys;
  const bytes =
    keys === undefined ? Buffer.byteLength(JSON.stringify(metadata)) : 17 + partitionKeysBytes(keys) + 1; // {"partitionKeys":<keys>}
  if (Object.isFrozen(metadata) && (keys === undefined || Object.isFrozen(keys))) {
    lastFrozenMetadata = metadata;
    lastFrozenMetadataBytes = bytes;
  }
  return bytes;
}

function partitionKeysBytes(keys: Record<string, string>): number {
  if (lastKeys !== undefined && sameKeys(keys, lastKeys)) return lastKeysBytes;
  let bytes = 2; // {}
  let first = true;
  for (const [name, value] of Object.entries(keys)) {
    bytes += (first ? 0 : 1) + jsonStringBytes(name) + 1 + jsonStringBytes(value);
    first = false;
  }
  lastKeys = { ...keys }; // a copy: the result's own object may change after it is sized
  lastKeysBytes = bytes;
  return bytes;
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  const other = Object.keys(b);
  if (names.length !== other.length) return false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name !== other[i] || a[name] !== b[name]) return false;
  }
  return true;
}

export interface BoundedResults {
  /** One result per event record, same order and recordIds; overflow records are Dropped. */
  readonly results: FirehoseTransformationResultRecord[];
  /** Indexes (into the event's records) whose data must be re-ingested before answering. */
  readonly overflow: readonly number[];
  readonly responseBytes: number;
}

/**
 * Transforms records in order while keeping the response under the limit. Each record's
 * result is accepted while it fits, with room kept for a Dropped answer to every record
 * after it; from the first one that does not fit, the rest are answered Dropped without
 * being transformed and listed as overflow, for the caller to re-ingest. Memory stays
 * bounded by the response, whatever the records expand to.
 */
export function transformWithinLimit(
  records: readonly Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>[],
  transform: (
    record: Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>,
    index: number,
  ) => FirehoseTransformationResultRecord,
  limitBytes: number = FIREHOSE_RESPONSE_LIMIT_BYTES,
): BoundedResults {
  const idSizes = records.map((record) => jsonStringBytes(record.recordId));
  const droppedSizes = idSizes.map((idBytes) => droppedResultBytes(idBytes) + 1);
  // Sizes below include one separating comma per record, hence the envelope minus one.
  let reservedForRest = RESPONSE_ENVELOPE_BYTES - 1 + droppedSizes.reduce((sum, size) => sum + size, 0);
  if (reservedForRest > limitBytes) {
    throw new RangeError(
      `${records.length} records cannot be answered within ${limitBytes} bytes even as Dropped`,
    );
  }
  const results: FirehoseTransformationResultRecord[] = new Array(records.length);
  const overflow: number[] = [];
  let used = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as FirehoseTransformationEventRecord;
    reservedForRest -= droppedSizes[index] as number;
    if (overflow.length === 0) {
      const result = transform(record, index);
      const size =
        (result.recordId === record.recordId
          ? serialisedResultBytes(result, idSizes[index] as number)
          : serialisedResultBytes(result)) + 1;
      if (used + size + reservedForRest <= limitBytes) {
        results[index] = result;
        used += size;
        continue;
      }
    }
    results[index] = droppedResult(record.recordId);
    used += droppedSizes[index] as number;
    overflow.push(index);
  }
  // `used` counts a separating comma per record; the response has one fewer.
  return {
    results,
    overflow,
    responseBytes: records.length === 0 ? RESPONSE_ENVELOPE_BYTES : RESPONSE_ENVELOPE_BYTES - 1 + used,
  };
}

export interface ResultCounts {
  ok: number;
  dropped: number;
  processingFailed: number;
}

export function countResults(records: readonly FirehoseTransformationResultRecord[]): ResultCounts {
  const counts: ResultCounts = { ok: 0, dropped: 0, processingFailed: 0 };
  for (const record of records) {
    if (record.result === 'Ok') counts.ok++;
    else if (record.result === 'Dropped') counts.dropped++;
    else counts.processingFailed++;
  }
  return counts;
}

export class InvalidFirehoseEventError extends InvalidInputError {
  override readonly name = 'InvalidFirehoseEventError';
}

/** What an event that is not a Firehose transformation event is, when its shape says so. */
function otherEventKind(candidate: Record<string, unknown>): string | undefined {
  if ('awslogs' in candidate) return 'a CloudWatch Logs subscription event for a Lambda function (awslogs)';
  const first = Array.isArray(candidate.Records)
    ? (candidate.Records[0] as Record<string, unknown> | undefined)
    : undefined;
  const source = first?.eventSource ?? first?.EventSource;
  if (typeof source === 'string') return `an event from ${source} (Records)`;
  if (typeof candidate['detail-type'] === 'string')
    return `an EventBridge event (${candidate['detail-type']})`;
  return undefined;
}

/**
 * Checks the event is a Firehose transformation event before any record is touched.
 * Deliberately hand-written: it runs on every invocation of the hottest functions,
 * and a schema library would cost import time and a second pass over every record.
 * `deliveryStreamArn` is needed only to re-ingest overflow, so an event without it (as
 * `sam local generate-event` writes them) is transformed; re-ingest then fails by name.
 */
export function assertFirehoseTransformationEvent(
  event: unknown,
): asserts event is { deliveryStreamArn?: string; records: FirehoseTransformationEventRecord[] } {
  const candidate = event as { deliveryStreamArn?: unknown; records?: unknown } | null;
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new InvalidFirehoseEventError('event is not an object');
  }
  const other = otherEventKind(candidate as Record<string, unknown>);
  if (other) throw new InvalidFirehoseEventError(`this is ${other}, not a Firehose transformation event`);
  if (candidate.deliveryStreamArn !== undefined && typeof candidate.deliveryStreamArn !== 'string') {
    throw new InvalidFirehoseEventError('event.deliveryStreamArn is not a string');
  }
  if (!Array.isArray(candidate.records)) {
    throw new InvalidFirehoseEventError('event.records is missing or not an array');
  }
  candidate.records.forEach((record: { recordId?: unknown; data?: unknown } | null, index) => {
    if (typeof record?.recordId !== 'string' || typeof record.data !== 'string') {
      throw new InvalidFirehoseEventError(`event.records[${index}] needs string recordId and data`);
    }
  });
}
