import type { Readable } from 'node:stream';
import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { identify, logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import { aggregateBatch, type BatchStore } from './aggregate';
import { parseAggregationRequest } from './request';

const env = requireEnv(['AUDIT_BUCKET']);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

/** Copies in flight at once; each holds at most PART_SIZE × QUEUE_SIZE of upload buffers. */
const CONCURRENCY = 3;
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

const store: BatchStore = {
  async *list(bucket, prefix) {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key && !object.Key.endsWith('/')) yield { key: object.Key };
      }
    }
  },
  async read(bucket, key) {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Body as Readable;
  },
  async write(key, body, contentType) {
    // Multipart for large copies: memory stays at a few parts whatever the file size.
    await new Upload({
      client: s3,
      params: { Bucket: env.AUDIT_BUCKET, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    }).done();
  },
};

/**
 * Copies each customer's WAU audit-log CSVs into the central bucket with a `customer` column,
 * then writes the batch manifest and, last, `complete/<batchId>.token`, which starts the
 * completion-token workflow.
 */
class AuditLogAggregatorFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context) {
    const request = parseAggregationRequest(event);
    identify({ batchId: request.batchId });
    const { manifest, manifestKey, tokenKey } = await aggregateBatch(request, store, {
      bucket: env.AUDIT_BUCKET,
      concurrency: CONCURRENCY,
    });
    metrics.addMetric('AuditFilesCopied', MetricUnit.Count, manifest.totals.files);
    metrics.addMetric('AuditRowsCopied', MetricUnit.Count, manifest.totals.rows);
    metrics.addMetric('AuditBytesCopied', MetricUnit.Bytes, manifest.totals.bytes);
    logger.info('Aggregated audit-log batch', {
      customers: manifest.customers,
      totals: manifest.totals,
      tokenKey,
    });
    return {
      batchId: request.batchId,
      bucket: env.AUDIT_BUCKET,
      manifestKey,
      tokenKey,
      ...manifest.totals,
      customers: manifest.customers,
      digest: manifest.digest,
    };
  }
}

const instance = new AuditLogAggregatorFunction();
export const handler = instance.handler.bind(instance);
