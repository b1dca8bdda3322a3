import { gunzipSync } from 'node:zlib';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { InvalidInputError } from '../shared/errors';
import { putRecordsWithRetry } from '../shared/firehose/put';
import { logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import { documentsOf, objectOfEvent } from './documents';

const env = requireEnv(['SEARCH_DELIVERY_STREAM_NAME', 'RAW_BUCKET']);
const firehose = tracer.captureAWSv3Client(new FirehoseClient({}));
const s3 = tracer.captureAWSv3Client(new S3Client({}));
// Reused across invocations: each processPartialResponse call starts it afresh.
const processor = new BatchProcessor(EventType.SQS);

export class InvalidQueueEventError extends InvalidInputError {
  override readonly name = 'InvalidQueueEventError';
}

export class DocumentsNotAcceptedError extends Error {
  override readonly name = 'DocumentsNotAcceptedError';
}

interface Forwarded {
  key: string;
  documents: number;
  putCalls: number;
}

class SearchForwarderFunction implements LambdaInterface {
  // The object's documents stay out of the trace: only counts are returned.
  @tracer.captureLambdaHandler({ captureResponse: false })
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, context: Context): Promise<SQSBatchResponse> {
    if (!Array.isArray((event as SQSEvent | null)?.Records)) {
      throw new InvalidQueueEventError('event.Records is missing or not an array');
    }
    const forwarded: Forwarded[] = [];
    const failures: { messageId: string; error: string }[] = [];
    try {
      // One object per message; a message whose object was not forwarded whole is a batch item
      // failure (all of the batch: Powertools' FullBatchFailureError, the invocation's error).
      return await processPartialResponse(
        event as SQSEvent,
        async (record: SQSRecord) => {
          try {
            forwarded.push(await forwardObject(record));
          } catch (error) {
            failures.push({
              messageId: record.messageId,
              error: `${(error as Error).name}: ${(error as Error).message}`,
            });
            throw error;
          }
        },
        processor,
        { context },
      );
    } finally {
      const documents = forwarded.reduce((sum, f) => sum + f.documents, 0);
      metrics.addMetric('DocumentsForwarded', MetricUnit.Count, documents);
      metrics.addMetric('ObjectsNotForwarded', MetricUnit.Count, failures.length);
      const summary = { objects: forwarded.length, documents, forwarded, failures };
      if (failures.length > 0) logger.warn('Forwarded raw-zone objects with failures', summary);
      else logger.info('Forwarded raw-zone objects', summary);
    }
  }
}

/**
 * Sends every line of one raw-zone object to the search stream. Throws unless Firehose
 * accepted all of them, so the message is retried (then dead-lettered): an object either
 * reaches the index whole or is kept for a redrive.
 */
async function forwardObject(record: SQSRecord): Promise<Forwarded> {
  const { bucket, key } = objectOfEvent(record.body, env.RAW_BUCKET);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  // In Node the SDK's Body is a readable stream of the object's bytes.
  const chunks: Uint8Array[] = [];
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const stored = Buffer.concat(chunks);
  // Firehose writes the raw zone GZIP-compressed (stacks/clickstream-ingestion.yaml).
  const documents = documentsOf(gunzipSync(stored));
  const outcome = await putRecordsWithRetry(firehose, env.SEARCH_DELIVERY_STREAM_NAME, documents);
  if (outcome.failed.length > 0)
    throw new DocumentsNotAcceptedError(
      `${outcome.failed.length} of ${documents.length} documents of ${key} were not accepted after retries (${outcome.lastErrorCode}); the object is retried whole`,
    );
  return { key, documents: documents.length, putCalls: outcome.calls };
}

const instance = new SearchForwarderFunction();
export const handler = instance.handler.bind(instance);
