import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { deliveryStreamNameFromArn, type PutOptions, putRecordsWithRetry } from './put';
import {
  decodeRecordData,
  FIREHOSE_RESPONSE_LIMIT_BYTES,
  InvalidFirehoseEventError,
  transformWithinLimit,
} from './records';

type EventRecord = Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>;

export interface BoundedTransform {
  /** Turns one record into its result (pure; never throws for bad data). */
  readonly transform: (record: EventRecord, index: number) => FirehoseTransformationResultRecord;
  /**
   * What to put back into the stream for a record that did not fit: by default its
   * original bytes; a transform whose single records can expand past the limit splits them.
   */
  readonly reingestPayloads?: (record: EventRecord) => Uint8Array[];
}

export class ReingestFailedError extends Error {
  override readonly name = 'ReingestFailedError';
}

export interface BoundedResponse {
  readonly response: FirehoseTransformationResult;
  readonly responseBytes: number;
  /** Indexes of the records answered Dropped because they were re-ingested. */
  readonly overflow: readonly number[];
  readonly reingested: number;
  readonly putCalls: number;
}

/**
 * Transforms the batch and returns the response, kept under Firehose's 6,000,000-byte limit:
 * records that do not fit are put back into the same delivery stream (their original
 * data, so they are transformed again later) and answered Dropped only once Firehose
 * accepted them. If some cannot be re-ingested the invocation fails, so Firehose
 * retries it and, after its retries, writes the batch to the error prefix: nothing is lost.
 */
export async function respondWithinLimit(
  firehose: () => Promise<FirehoseClient>,
  deliveryStreamArn: string | undefined,
  records: readonly EventRecord[],
  bounded: BoundedTransform,
  options: PutOptions & { limitBytes?: number } = {},
): Promise<BoundedResponse> {
  const { results, overflow, responseBytes } = transformWithinLimit(
    records,
    bounded.transform,
    options.limitBytes ?? FIREHOSE_RESPONSE_LIMIT_BYTES,
  );
  const response = { records: results };
  if (overflow.length === 0) return { response, responseBytes, overflow, reingested: 0, putCalls: 0 };

  if (deliveryStreamArn === undefined)
    throw new InvalidFirehoseEventError(
      `event.deliveryStreamArn is missing: it names the stream that ${overflow.length} records which do not fit the 6,000,000-byte response are put back into`,
    );
  const payloadsFor = bounded.reingestPayloads ?? ((record: EventRecord) => [decodeRecordData(record)]);
  const payloads = overflow.flatMap((index) => payloadsFor(records[index] as EventRecord));
  const outcome = await putRecordsWithRetry(
    await firehose(),
    deliveryStreamNameFromArn(deliveryStreamArn),
    payloads,
    options,
  );
  if (outcome.failed.length > 0) {
    throw new ReingestFailedError(
      `${outcome.failed.length} of ${payloads.length} overflow records could not be re-ingested (last error ${outcome.lastErrorCode})`,
    );
  }
  return { response, responseBytes, overflow, reingested: overflow.length, putCalls: outcome.calls };
}
