import type { FirehoseClient } from '@aws-sdk/client-firehose';

/** PutRecordBatch quotas: 500 records and 4 MiB of data per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;

/** Splits payloads, in order, into as few PutRecordBatch-sized groups (of indexes) as the quotas allow. */
export function packPutBatches(
  payloadSizes: readonly number[],
  maxRecords: number = PUT_RECORD_BATCH_MAX_RECORDS,
  maxBytes: number = PUT_RECORD_BATCH_MAX_BYTES,
): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  payloadSizes.forEach((size, index) => {
    if (current.length > 0 && (current.length === maxRecords || currentBytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface PutOptions {
  /** Attempts per record, the first included. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface PutOutcome {
  /** Indexes of payloads that were still not accepted after every attempt. */
  readonly failed: readonly number[];
  readonly calls: number;
  /** Last error code Firehose gave for a failed entry or call, for the log line. */
  readonly lastErrorCode?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Puts every payload into the delivery stream with PutRecordBatch, retrying the
 * entries Firehose reports as failed (FailedPutCount) with capped exponential backoff
 * and full jitter. Throttled or failed calls are retried by the SDK first; a call that
 * still fails counts all of its entries as failed for this attempt.
 */
export async function putRecordsWithRetry(
  client: FirehoseClient,
  deliveryStreamName: string,
  payloads: readonly Uint8Array[],
  options: PutOptions = {},
): Promise<PutOutcome> {
  const { maxAttempts = 5, baseDelayMs = 100, maxDelayMs = 2_000 } = options;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  // Imported here, not at the top: transforms load the SDK only when they overflow.
  const { PutRecordBatchCommand } = await import('@aws-sdk/client-firehose');
  let pending = payloads.map((_, index) => index);
  let calls = 0;
  let lastErrorCode: string | undefined;

  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1)
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 2))));
    const stillFailing: number[] = [];
    for (const batch of packPutBatches(pending.map((index) => (payloads[index] as Uint8Array).byteLength))) {
      const indexes = batch.map((position) => pending[position] as number);
      calls++;
      try {
        const output = await client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: deliveryStreamName,
            Records: indexes.map((index) => ({ Data: payloads[index] })),
          }),
        );
        if ((output.FailedPutCount ?? 0) === 0) continue;
        output.RequestResponses?.forEach((entry, position) => {
          if (entry.ErrorCode) {
            stillFailing.push(indexes[position] as number);
            lastErrorCode = entry.ErrorCode;
          }
        });
      } catch (error) {
        stillFailing.push(...indexes);
        lastErrorCode = error instanceof Error ? error.name : String(error);
      }
    }
    pending = stillFailing;
  }
  return lastErrorCode === undefined ? { failed: pending, calls } : { failed: pending, calls, lastErrorCode };
}

/** `arn:aws:firehose:<region>:<account>:deliverystream/<name>` → `<name>` */
export function deliveryStreamNameFromArn(arn: string): string {
  const match = /^arn:aws[\w-]*:firehose:[\w-]+:\d{12}:deliverystream\/([\w.-]{1,64})$/.exec(arn);
  if (!match?.[1]) throw new Error(`Not a Firehose delivery stream ARN: ${arn}`);
  return match[1];
}
