import { gunzipSync } from 'node:zlib';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { type PutOptions, putRecordsWithRetry } from '../../functions/shared/firehose/put';

/**
 * Replays Firehose `processing-failed` objects into their delivery stream once the transform is
 * fixed. Each object holds one JSON line per failed record with its original bytes (rawData,
 * base64); they are put back as they arrived. A replayed object is tagged, so running the replay
 * again skips it: a replay is safe to repeat.
 */

export const REPLAYED_TAG = 'loglake-replayed';
/** The original records of one processing-failed object (GZIP or plain NDJSON). */
export function originalRecords(object: Buffer): Buffer[] {
  const text = (object[0] === 0x1f && object[1] === 0x8b ? gunzipSync(object) : object).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const { rawData } = JSON.parse(line) as { rawData?: string };
      if (typeof rawData !== 'string')
        throw new Error(`line ${i + 1} has no rawData: not a processing-failed record`);
      return Buffer.from(rawData, 'base64');
    });
}

export interface ReplayOptions {
  bucket: string;
  prefix: string;
  stream: string;
  dryRun?: boolean;
  s3?: S3Client;
  firehose?: FirehoseClient;
  log?: (line: string) => void;
  /** Retries of refused records (the forwarder's defaults: 5 attempts, jittered backoff). */
  retry?: PutOptions;
}

export async function replay(options: ReplayOptions) {
  const s3 = options.s3 ?? new S3Client({});
  const firehose = options.firehose ?? new FirehoseClient({});
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const totals = { objects: 0, skipped: 0, records: 0 };
  for await (const page of paginateListObjectsV2(
    { client: s3 },
    { Bucket: options.bucket, Prefix: options.prefix },
  )) {
    for (const { Key } of page.Contents ?? []) {
      if (!Key) continue;
      const { TagSet = [] } = await s3.send(new GetObjectTaggingCommand({ Bucket: options.bucket, Key }));
      if (TagSet.some((t) => t.Key === REPLAYED_TAG)) {
        totals.skipped++;
        continue;
      }
      const object = await s3.send(new GetObjectCommand({ Bucket: options.bucket, Key }));
      const records = originalRecords(
        Buffer.from(
          await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      );
      if (!options.dryRun) {
        // Batched within PutRecordBatch's quotas; refused entries retried with backoff (as the forwarder does).
        const outcome = await putRecordsWithRetry(firehose, options.stream, records, options.retry);
        if (outcome.failed.length > 0) {
          throw new Error(
            `${Key}: ${outcome.failed.length} records still refused (${outcome.lastErrorCode}); not tagged, run again`,
          );
        }
        await s3.send(
          new PutObjectTaggingCommand({
            Bucket: options.bucket,
            Key,
            Tagging: { TagSet: [...TagSet, { Key: REPLAYED_TAG, Value: new Date().toISOString() }] },
          }),
        );
      }
      totals.objects++;
      totals.records += records.length;
      log(
        `${options.dryRun ? 'would replay' : 'replayed'} ${records.length} records from s3://${options.bucket}/${Key}`,
      );
    }
  }
  log(
    `${options.dryRun ? 'dry run: ' : ''}${totals.records} records from ${totals.objects} objects into ${options.stream}; ${totals.skipped} objects replayed before, skipped`,
  );
  return totals;
}
