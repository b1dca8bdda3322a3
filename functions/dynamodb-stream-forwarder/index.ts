import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { InvalidInputError } from '../shared/errors';
import { putRecordsWithRetry } from '../shared/firehose/put';
import { logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import {
  type ChangeLine,
  changeLine,
  FIREHOSE_MAX_RECORD_BYTES,
  overflowKey,
  overflowPointer,
  packLines,
} from './changes';

const env = requireEnv(['DELIVERY_STREAM_NAME', 'OVERFLOW_BUCKET']);
const firehose = tracer.captureAWSv3Client(new FirehoseClient({}));
const s3 = tracer.captureAWSv3Client(new S3Client({}));
// Reused across invocations: each processPartialResponse call starts it afresh.
const processor = new BatchProcessor(EventType.DynamoDBStreams);

export class InvalidStreamEventError extends InvalidInputError {
  override readonly name = 'InvalidStreamEventError';
}

export class ChangeNotDeliveredError extends Error {
  override readonly name = 'ChangeNotDeliveredError';
}

class DynamoDbStreamForwarderFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, context: Context): Promise<DynamoDBBatchResponse> {
    const started = performance.now();
    if (!Array.isArray((event as DynamoDBStreamEvent | null)?.Records)) {
      throw new InvalidStreamEventError('event.Records is missing or not an array');
    }
    const records = (event as DynamoDBStreamEvent).Records;

    // 1. Every change becomes one JSON line; a change that cannot be read is not delivered.
    const undelivered = new Map<number, string>();
    const changes: (ChangeLine | undefined)[] = [];
    const lines = records.map((record, index) => {
      try {
        changes[index] = changeLine(record);
        return Buffer.from(`${JSON.stringify(changes[index])}\n`);
      } catch (error) {
        undelivered.set(index, (error as Error).message);
        return undefined;
      }
    });

    // 2. A change too large for a Firehose record is kept whole in the overflow prefix, and
    // the raw zone gets a line that points to it.
    const overflowed = await keepOversizedChanges(lines, changes, undelivered);

    // 3. Lines are packed into as few Firehose records, and those into as few calls, as fit.
    const packed = packLines(lines);
    for (const index of packed.oversized)
      undelivered.set(index, 'change line exceeds the 1000 KiB Firehose record limit');
    const outcome = await putRecordsWithRetry(
      firehose,
      env.DELIVERY_STREAM_NAME,
      packed.records.map((r) => r.data),
    );
    for (const failed of outcome.failed) {
      for (const index of packed.records[failed]?.sources ?? []) {
        undelivered.set(index, `Firehose did not accept the record after retries (${outcome.lastErrorCode})`);
      }
    }

    // 4. Powertools reports exactly the undelivered changes as batch item failures.
    const failedSequences = new Map(
      [...undelivered].map(([index, reason]) => [records[index]?.dynamodb?.SequenceNumber, reason]),
    );
    const summary = {
      changes: records.length,
      firehoseRecords: packed.records.length,
      putCalls: outcome.calls,
      undelivered: undelivered.size,
      overflowed,
      bytes: packed.records.reduce((sum, r) => sum + r.data.byteLength, 0),
      durationMs: 0,
      ...(undelivered.size > 0 && {
        firstFailures: [...failedSequences]
          .slice(0, 5)
          .map(([sequenceNumber, reason]) => ({ sequenceNumber, reason })),
      }),
    };
    metrics.addMetric('ChangesForwarded', MetricUnit.Count, records.length - undelivered.size);
    metrics.addMetric('ChangesFailed', MetricUnit.Count, undelivered.size);
    metrics.addMetric('FirehoseRecords', MetricUnit.Count, packed.records.length);
    metrics.addMetric('ChangesOverflowed', MetricUnit.Count, overflowed);
    metrics.addMetric('PutRecordBatchCalls', MetricUnit.Count, outcome.calls);
    try {
      return await processPartialResponse(
        event as DynamoDBStreamEvent,
        async (record: DynamoDBRecord) => {
          const reason = failedSequences.get(record.dynamodb?.SequenceNumber);
          if (reason !== undefined) throw new ChangeNotDeliveredError(reason);
        },
        processor,
        { context },
      );
    } finally {
      summary.durationMs = Math.round(performance.now() - started);
      if (undelivered.size > 0) logger.warn('Forwarded DynamoDB changes with failures', summary);
      else logger.info('Forwarded DynamoDB changes', summary);
    }
  }
}

/** Writes each oversized line to S3 and puts its pointer line in its place (a failed write is undelivered); returns how many it kept. */
async function keepOversizedChanges(
  lines: (Buffer | undefined)[],
  changes: readonly (ChangeLine | undefined)[],
  undelivered: Map<number, string>,
): Promise<number> {
  const oversized = lines.flatMap((line, index) =>
    line && line.byteLength > FIREHOSE_MAX_RECORD_BYTES ? [index] : [],
  );
  let kept = 0;
  await Promise.all(
    oversized.map(async (index) => {
      const change = changes[index] as ChangeLine;
      const line = lines[index] as Buffer;
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: env.OVERFLOW_BUCKET,
            Key: overflowKey(change),
            Body: line,
            ContentType: 'application/json',
          }),
        );
        lines[index] = Buffer.from(
          `${JSON.stringify(overflowPointer(change, env.OVERFLOW_BUCKET, line.byteLength))}\n`,
        );
        kept++;
      } catch (error) {
        lines[index] = undefined;
        undelivered.set(
          index,
          `change too large for Firehose, and keeping it in S3 failed: ${(error as Error).name}`,
        );
      }
    }),
  );
  return kept;
}

const instance = new DynamoDbStreamForwarderFunction();
export const handler = instance.handler.bind(instance);
