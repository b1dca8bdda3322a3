import { Readable } from 'node:stream';
import { CloudTrailClient, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import { type _Record, FirehoseClient, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import type {
  GetObjectCommandOutput,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
  PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import type { LocalObjectStore } from './object-store';

/**
 * The SDK calls the handlers make, answered locally: S3 from the object store, Firehose by the
 * local delivery streams, CloudTrail from sample events. Patched on the clients' prototypes, so
 * the handlers run unchanged (they never know).
 */

type Command = { constructor: { name: string }; input: Record<string, unknown> };
type Answer = Record<string, unknown>;

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function answerS3(store: LocalObjectStore) {
  const uploads = new Map<string, Buffer[]>();
  return async (command: Command): Promise<Answer> => {
    const input = command.input;
    switch (command.constructor.name) {
      case 'PutObjectCommand': {
        const { Bucket, Key, Body } = input as unknown as PutObjectCommandInput;
        store.put(String(Bucket), String(Key), await bodyBytes(Body));
        return { ETag: '"local"' };
      }
      case 'GetObjectCommand': {
        const bytes = store.get(String(input.Bucket), String(input.Key));
        return {
          Body: Readable.from([bytes]) as never,
          ContentLength: bytes.byteLength,
        } satisfies Partial<GetObjectCommandOutput>;
      }
      case 'ListObjectsV2Command': {
        const { Bucket, Prefix, ContinuationToken } = input as unknown as ListObjectsV2CommandInput;
        const all = store.list(String(Bucket), Prefix ?? '');
        const start = Number(ContinuationToken ?? 0);
        const page = all.slice(start, start + 1000);
        const next = start + page.length < all.length ? String(start + page.length) : undefined;
        return {
          Contents: page.map((o) => ({ Key: o.key, Size: o.size, LastModified: o.lastModified })),
          KeyCount: page.length,
          IsTruncated: next !== undefined,
          NextContinuationToken: next,
        } satisfies Partial<ListObjectsV2CommandOutput>;
      }
      case 'CreateMultipartUploadCommand': {
        const id = `${input.Bucket}/${input.Key}/${uploads.size}`;
        uploads.set(id, []);
        return { UploadId: id };
      }
      case 'UploadPartCommand': {
        const parts = uploads.get(String(input.UploadId)) ?? [];
        parts[Number(input.PartNumber) - 1] = await bodyBytes(input.Body);
        uploads.set(String(input.UploadId), parts);
        return { ETag: `"part-${input.PartNumber}"` };
      }
      case 'CompleteMultipartUploadCommand': {
        store.put(
          String(input.Bucket),
          String(input.Key),
          Buffer.concat(uploads.get(String(input.UploadId)) ?? []),
        );
        uploads.delete(String(input.UploadId));
        return { ETag: '"local"' };
      }
      case 'AbortMultipartUploadCommand':
        uploads.delete(String(input.UploadId));
        return {};
      default:
        throw new Error(`local S3 does not answer ${command.constructor.name}`);
    }
  };
}

export interface LocalAws {
  store: LocalObjectStore;
  /** PutRecordBatch into a delivery stream (by name): the records delivered. */
  putRecords(streamName: string, records: _Record[]): Promise<PutRecordBatchCommandOutput>;
  trailEvents: TrailEvent[];
}

export function answerCloudTrail(local: Pick<LocalAws, 'trailEvents'>) {
  return async (command: Command): Promise<Answer> => {
    if (command.constructor.name !== 'LookupEventsCommand')
      throw new Error(`local CloudTrail does not answer ${command.constructor.name}`);
    const input = command.input as {
      StartTime?: Date;
      EndTime?: Date;
      NextToken?: string;
      MaxResults?: number;
      LookupAttributes?: { AttributeValue?: string }[];
    };
    const source = input.LookupAttributes?.[0]?.AttributeValue;
    const matching = local.trailEvents
      .filter(
        (e) =>
          (!source || e.EventSource === source) &&
          e.EventTime &&
          e.EventTime >= (input.StartTime ?? new Date(0)) &&
          e.EventTime < (input.EndTime ?? new Date(8.64e15)),
      )
      .sort((a, b) => Number(b.EventTime) - Number(a.EventTime));
    const start = Number(input.NextToken ?? 0);
    const size = input.MaxResults ?? 50;
    const next = start + size < matching.length ? String(start + size) : undefined;
    return { Events: matching.slice(start, start + size), NextToken: next };
  };
}

/** Answers the handlers' SDK calls locally until the returned function is called. */
export function installLocalAws(local: LocalAws): () => void {
  const s3 = answerS3(local.store);
  const cloudtrail = answerCloudTrail(local);
  const originals = [
    [S3Client.prototype, S3Client.prototype.send],
    [FirehoseClient.prototype, FirehoseClient.prototype.send],
    [CloudTrailClient.prototype, CloudTrailClient.prototype.send],
  ] as const;
  S3Client.prototype.send = s3 as never;
  FirehoseClient.prototype.send = (async (command: Command) => {
    if (command.constructor.name !== 'PutRecordBatchCommand')
      throw new Error(`local Firehose does not answer ${command.constructor.name}`);
    return local.putRecords(String(command.input.DeliveryStreamName), command.input.Records as _Record[]);
  }) as never;
  CloudTrailClient.prototype.send = cloudtrail as never;
  return () => {
    for (const [prototype, send] of originals) (prototype as { send: unknown }).send = send;
  };
}
