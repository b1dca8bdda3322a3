import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { deliveryStreamNameFromArn, type PutOptions, putRecordsWithRetry } from './firehose-put';
import { decodeRecordData, FIREHOSE_RESPONSE_LIMIT_BYTES, fitResponse } from './firehose-records';

export class ReingestFailedError extends Error {
  override readonly name = 'ReingestFailedError';
}

export interface BoundedResponse {
  readonly response: FirehoseTransformationResult;
  readonly responseBytes: number;
  readonly reingested: number;
  readonly putCalls: number;
}

/**
 * Returns the transformation response, kept under Firehose's 6,000,000-byte limit:
 * records that do not fit are put back into the same delivery stream (their original
 * data, so they are transformed again later) and answered Dropped only once Firehose
 * accepted them. If some cannot be re-ingested the invocation fails, so Firehose
 * retries it and, after its retries, writes the batch to the error prefix: nothing is lost.
 */
export async function respondWithinLimit(
  firehose: FirehoseClient,
  deliveryStreamArn: string,
  records: readonly FirehoseTransformationEventRecord[],
  results: readonly FirehoseTransformationResultRecord[],
  options: PutOptions & { limitBytes?: number } = {},
): Promise<BoundedResponse> {
  const fitted = fitResponse(results, options.limitBytes ?? FIREHOSE_RESPONSE_LIMIT_BYTES);
  if (fitted.overflow.length === 0) {
    return { response: fitted.response, responseBytes: fitted.responseBytes, reingested: 0, putCalls: 0 };
  }
  const payloads = fitted.overflow.map((index) =>
    decodeRecordData(records[index] as FirehoseTransformationEventRecord),
  );
  const outcome = await putRecordsWithRetry(
    firehose,
    deliveryStreamNameFromArn(deliveryStreamArn),
    payloads,
    options,
  );
  if (outcome.failed.length > 0) {
    throw new ReingestFailedError(
      `${outcome.failed.length} of ${payloads.length} overflow records could not be re-ingested (last error ${outcome.lastErrorCode})`,
    );
  }
  return {
    response: fitted.response,
    responseBytes: fitted.responseBytes,
    reingested: payloads.length,
    putCalls: outcome.calls,
  };
}
