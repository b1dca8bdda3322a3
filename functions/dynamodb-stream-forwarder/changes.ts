import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { InvalidInputError } from '../shared/errors';

/**
 * DynamoDB stream records → JSON lines for the raw zone, packed into as few Firehose
 * records as fit. Pure: no I/O.
 */

/** Firehose's limit for one record's data, before base64. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

export interface ChangeLine {
  eventName: string;
  eventID: string;
  table: string;
  keys: Record<string, unknown>;
  newImage: Record<string, unknown> | null;
  oldImage: Record<string, unknown> | null;
  approximateCreationTime: string | null;
  sequenceNumber: string;
}

export class InvalidStreamRecordError extends InvalidInputError {
  override readonly name = 'InvalidStreamRecordError';
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → `<name>` */
export function tableFromStreamArn(arn: string | undefined): string {
  const match = /:table\/([A-Za-z0-9_.-]{3,255})\/stream\//.exec(arn ?? '');
  if (!match?.[1]) throw new InvalidStreamRecordError(`not a DynamoDB stream ARN: ${arn}`);
  return match[1];
}

/**
 * A number keeps full precision: DynamoDB numbers have up to 38 digits, more than a JSON
 * (double) number holds, so a number whose text does not survive the round trip stays a string.
 */
function numberValue(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && String(value) === text ? value : text;
}

/** DynamoDB JSON → plain JSON: sets become arrays, binary stays base64, as the stream carries it. */
export function plainValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return numberValue(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return value.B;
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(numberValue);
  if (value.BS !== undefined) return [...value.BS];
  if (value.L !== undefined) return value.L.map(plainValue);
  if (value.M !== undefined) return plainImage(value.M);
  throw new InvalidStreamRecordError(`unsupported attribute value ${JSON.stringify(value)}`);
}

export function plainImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = plainValue(value);
  return out;
}

export function changeLine(record: DynamoDBRecord): ChangeLine {
  const change = record.dynamodb;
  if (!record.eventName || !change?.Keys || !change.SequenceNumber) {
    throw new InvalidStreamRecordError('stream record without eventName, dynamodb.Keys or SequenceNumber');
  }
  return {
    eventName: record.eventName,
    eventID: record.eventID ?? '',
    table: tableFromStreamArn(record.eventSourceARN),
    keys: plainImage(change.Keys),
    newImage: change.NewImage ? plainImage(change.NewImage) : null,
    oldImage: change.OldImage ? plainImage(change.OldImage) : null,
    approximateCreationTime:
      change.ApproximateCreationDateTime === undefined
        ? null
        : new Date(change.ApproximateCreationDateTime * 1000).toISOString(),
    sequenceNumber: change.SequenceNumber,
  };
}

/** Where a change too large for one Firehose record is kept whole, in the raw bucket. */
export const OVERFLOW_PREFIX = 'dynamodb-overflow/';

/** One object per change: a retried or replayed change overwrites its own object, never adds one. */
export function overflowKey(change: ChangeLine): string {
  return `${OVERFLOW_PREFIX}${change.table}/${change.sequenceNumber}.json`;
}

/**
 * What the raw zone gets for a change kept in the overflow prefix: everything but the images,
 * and where the whole change is (`overflow.key` holds the line as it would have been).
 */
export function overflowPointer(change: ChangeLine, bucket: string, bytes: number) {
  return {
    ...change,
    newImage: null,
    oldImage: null,
    overflow: { bucket, key: overflowKey(change), bytes },
  };
}

export interface PackedRecord {
  readonly data: Buffer;
  /** Indexes of the stream records whose lines this Firehose record carries. */
  readonly sources: number[];
}

/**
 * Concatenates newline-terminated lines, in order, into as few Firehose records of at
 * most `maxRecordBytes` as they fit in. A line longer than that on its own is returned
 * in `oversized` instead: it cannot be delivered as one record.
 */
export function packLines(
  lines: readonly (Buffer | undefined)[],
  maxRecordBytes: number = FIREHOSE_MAX_RECORD_BYTES,
): { records: PackedRecord[]; oversized: number[] } {
  const records: PackedRecord[] = [];
  const oversized: number[] = [];
  let parts: Buffer[] = [];
  let sources: number[] = [];
  let bytes = 0;
  const flush = () => {
    if (parts.length > 0) records.push({ data: Buffer.concat(parts, bytes), sources });
    parts = [];
    sources = [];
    bytes = 0;
  };
  lines.forEach((line, index) => {
    if (line === undefined) return;
    if (line.byteLength > maxRecordBytes) {
      oversized.push(index);
      return;
    }
    if (bytes + line.byteLength > maxRecordBytes) flush();
    parts.push(line);
    sources.push(index);
    bytes += line.byteLength;
  });
  flush();
  return { records, oversized };
}
