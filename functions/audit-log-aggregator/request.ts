import { InvalidInputError, whatWasSent } from '../shared/errors';

/**
 * The aggregator's input: `{ batchId, sources: [{ customer, uri }] }` from a manual run, or
 * `{ scheduledTime, sources }` from the schedule, whose batch id is the scheduled hour, so a
 * retried scheduled invocation rewrites the same batch.
 */

export class AggregationRequestError extends InvalidInputError {
  override readonly name = 'AggregationRequestError';
}

export interface AuditSource {
  /** Becomes the `customer` column and the `customer=` partition. */
  readonly customer: string;
  /** `s3://bucket/prefix/` (every object under it) or `s3://bucket/key` (one object). */
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
}

export interface AggregationRequest {
  readonly batchId: string;
  readonly sources: readonly AuditSource[];
}

// Batch ids and customers become S3 key segments, Hive partition values and Glue arguments:
// keep them to characters that need no encoding anywhere (no `.` either: the token is `<id>.token`).
const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const CUSTOMER = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/;

export function parseS3Uri(uri: unknown, what: string): { bucket: string; key: string } {
  const match = typeof uri === 'string' ? S3_URI.exec(uri) : null;
  if (!match)
    throw new AggregationRequestError(`${what}: ${JSON.stringify(uri)} is not an s3://bucket/key URI`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/** `2026-11-22T13:00:00Z` → `2026-11-22T1300`: the batch of a scheduled run. */
export function batchIdOfSchedule(scheduledTime: unknown): string {
  const time = typeof scheduledTime === 'string' ? new Date(scheduledTime) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) {
    throw new AggregationRequestError(`scheduledTime ${JSON.stringify(scheduledTime)} is not a timestamp`);
  }
  const iso = time.toISOString();
  return `${iso.slice(0, 13)}${iso.slice(14, 16)}`;
}

export function parseAggregationRequest(event: unknown): AggregationRequest {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new AggregationRequestError('the request must be a JSON object');
  }
  const input = event as Record<string, unknown>;
  if (input.batchId === undefined && input.scheduledTime === undefined && input.sources === undefined) {
    throw new AggregationRequestError(
      `${whatWasSent(event)} is not an aggregation request: send { batchId, sources } (a manual batch) or { scheduledTime, sources } (what the aggregation schedule sends)`,
    );
  }
  const batchId = input.batchId === undefined ? batchIdOfSchedule(input.scheduledTime) : input.batchId;
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId)) {
    throw new AggregationRequestError(
      `batchId ${JSON.stringify(batchId)} must be 1-64 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  if (!Array.isArray(input.sources) || input.sources.length === 0) {
    throw new AggregationRequestError('sources must be a non-empty list of { customer, uri }');
  }
  const sources = input.sources.map((source: unknown, i): AuditSource => {
    const { customer, uri } = (source ?? {}) as Record<string, unknown>;
    if (typeof customer !== 'string' || !CUSTOMER.test(customer)) {
      throw new AggregationRequestError(
        `sources[${i}].customer ${JSON.stringify(customer)} must be 1-63 lower-case letters, digits, '-' or '_'`,
      );
    }
    return { customer, uri: String(uri), ...parseS3Uri(uri, `sources[${i}].uri`) };
  });
  return { batchId, sources };
}
