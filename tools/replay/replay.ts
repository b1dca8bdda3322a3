import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';

/**
 * Replays Firehose `processing-failed` objects into their delivery stream once the transform is
 * fixed. Each object holds one JSON line per failed record with its original bytes (rawData,
 * base64); they are put back as they arrived. A replayed object is tagged, so running the replay
 * again skips it: a replay is safe to repeat.
 */

export const REPLAYED_TAG = 'loglake-replayed';
/** PutRecordBatch's limits: 500 records, 4 MiB. */
const MAX_RECORDS = 500;
const MAX_BYTES = 4 * 1024 * 1024;

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

/** Records in PutRecordBatch-sized batches. */
export function batches(records: Buffer[]): Buffer[][] {
  const out: Buffer[][] = [];
  let batch: Buffer[] = [];
  let bytes = 0;
  for (const record of records) {
    if (batch.length === MAX_RECORDS || (batch.length > 0 && bytes + record.byteLength > MAX_BYTES)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += record.byteLength;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

export interface ReplayOptions {
  bucket: string;
  prefix: string;
  stream: string;
  dryRun?: boolean;
  s3?: S3Client;
  firehose?: FirehoseClient;
  log?: (line: string) => void;
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
        for (const batch of batches(records)) {
          // Re-send what Firehose did not accept, a few times, before giving up on the object.
          let pending = batch;
          for (let attempt = 1; pending.length > 0; attempt++) {
            const result = await firehose.send(
              new PutRecordBatchCommand({
                DeliveryStreamName: options.stream,
                Records: pending.map((Data) => ({ Data })),
              }),
            );
            if (!result.FailedPutCount) break;
            if (attempt === 5)
              throw new Error(
                `${Key}: ${result.FailedPutCount} records still refused after 5 attempts; not tagged, run again`,
              );
            pending = pending.filter((_, i) => result.RequestResponses?.[i]?.ErrorCode);
          }
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
