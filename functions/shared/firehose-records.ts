import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';

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
 * without serialising its (large, base64) data a second time.
 */
export function serialisedResultBytes(result: FirehoseTransformationResultRecord): number {
  // {"recordId":<id>,"result":"<r>"  [,"data":"<b64>"]  [,"metadata":{"partitionKeys":<keys>}]  }
  let bytes = 12 + Buffer.byteLength(JSON.stringify(result.recordId)) + 11 + result.result.length + 1;
  if (result.data !== undefined) bytes += 9 + result.data.length + 1;
  if (result.metadata !== undefined) {
    bytes += 29 + Buffer.byteLength(JSON.stringify(result.metadata.partitionKeys)) + 1;
  }
  return bytes + 1;
}

export function serialisedResponseBytes(records: readonly FirehoseTransformationResultRecord[]): number {
  let bytes = RESPONSE_ENVELOPE_BYTES + Math.max(records.length - 1, 0);
  for (const record of records) bytes += serialisedResultBytes(record);
  return bytes;
}

export interface FittedResponse {
  /** The response to return: results that did not fit are replaced by Dropped. */
  readonly response: FirehoseTransformationResult;
  /** Indexes (into the event's records) whose original data must be re-ingested before returning. */
  readonly overflow: readonly number[];
  readonly responseBytes: number;
}

/**
 * Keeps the response under the limit. When the transformed batch would not fit, the
 * last Ok results (then the last ProcessingFailed ones) are turned into Dropped and
 * listed as overflow: the caller re-ingests their original data into the stream, so
 * they are transformed again in a later, smaller invocation.
 */
export function fitResponse(
  results: readonly FirehoseTransformationResultRecord[],
  limitBytes: number = FIREHOSE_RESPONSE_LIMIT_BYTES,
): FittedResponse {
  const sizes = results.map(serialisedResultBytes);
  let total = RESPONSE_ENVELOPE_BYTES + Math.max(results.length - 1, 0) + sizes.reduce((a, b) => a + b, 0);
  if (total <= limitBytes) return { response: { records: [...results] }, overflow: [], responseBytes: total };

  const fitted = [...results];
  const overflow: number[] = [];
  for (const wanted of ['Ok', 'ProcessingFailed'] as const) {
    for (let index = results.length - 1; index >= 0 && total > limitBytes; index--) {
      const result = results[index] as FirehoseTransformationResultRecord;
      if (result.result !== wanted) continue;
      const dropped = droppedResult(result.recordId);
      total += serialisedResultBytes(dropped) - (sizes[index] as number);
      fitted[index] = dropped;
      overflow.push(index);
    }
  }
  if (total > limitBytes) {
    throw new RangeError(
      `Firehose response cannot fit in ${limitBytes} bytes even with every record re-ingested (${results.length} records)`,
    );
  }
  overflow.sort((a, b) => a - b);
  return { response: { records: fitted }, overflow, responseBytes: total };
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

export class InvalidFirehoseEventError extends Error {
  override readonly name = 'InvalidFirehoseEventError';
}

/**
 * Checks the event is a Firehose transformation event before any record is touched.
 * Deliberately hand-written: it runs on every invocation of the hottest functions,
 * and a schema library would cost import time and a second pass over every record.
 */
export function assertFirehoseTransformationEvent(
  event: unknown,
): asserts event is { deliveryStreamArn: string; records: FirehoseTransformationEventRecord[] } {
  const candidate = event as { deliveryStreamArn?: unknown; records?: unknown } | null;
  if (typeof candidate !== 'object' || candidate === null) {
    throw new InvalidFirehoseEventError('event is not an object');
  }
  if (typeof candidate.deliveryStreamArn !== 'string') {
    throw new InvalidFirehoseEventError('event.deliveryStreamArn is missing or not a string');
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
