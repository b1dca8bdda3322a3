import {
  type _Record,
  type AttributeValue,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, AttributeValue as EventValue } from 'aws-lambda';

/**
 * Replays the forwarder's dead-letter queue. Lambda's on-failure record for a DynamoDB stream
 * holds where the batch is, not the batch (DDBStreamBatchInfo: the stream, shard and first and
 * last sequence numbers; https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html),
 * so each message is read back from the stream (GetShardIterator AT_SEQUENCE_NUMBER, then
 * GetRecords up to the last sequence number) and sent to the forwarder again as the stream event
 * Lambda would have sent. A message is deleted only once the forwarder took every change, so a
 * replay can be repeated; the forwarder's lines carry the change's sequenceNumber and eventID,
 * so a change delivered twice is recognisable downstream.
 */

/** DynamoDB Streams keep records 24 hours (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;
/** An open shard may answer empty pages before the records: this many in a row end the read. */
const MAX_EMPTY_PAGES = 5;
/** Long enough to read a batch back and forward it before another reader could see the message. */
const VISIBILITY_SECONDS = 300;

export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/** The message is not a DynamoDB stream on-failure record: it is left in the queue. */
export class NotAStreamFailureError extends Error {
  override readonly name = 'NotAStreamFailureError';
}

export function batchInfoOf(body: string): StreamBatchInfo {
  let parsed: { DDBStreamBatchInfo?: Partial<StreamBatchInfo> };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new NotAStreamFailureError('the message body is not JSON');
  }
  const info = parsed?.DDBStreamBatchInfo;
  const fields = ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'] as const;
  if (!info || fields.some((field) => typeof info[field] !== 'string')) {
    throw new NotAStreamFailureError(`the message has no DDBStreamBatchInfo with ${fields.join(', ')}`);
  }
  return info as StreamBatchInfo;
}

/** The SDK's attribute value (binary as bytes) as a Lambda stream event carries it (binary as base64). */
export function eventValue(value: AttributeValue): EventValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(eventValue) };
  if (value.M !== undefined) return { M: eventImage(value.M) };
  return value as EventValue;
}

const eventImage = (image: Record<string, AttributeValue>) =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, eventValue(value)]));

/** A GetRecords record as the Lambda event has it: epoch seconds, base64 binary, the stream's ARN. */
export function eventRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(change.ApproximateCreationDateTime && {
        ApproximateCreationDateTime: Math.floor(change.ApproximateCreationDateTime.getTime() / 1000),
      }),
      ...(change.Keys && { Keys: eventImage(change.Keys) }),
      ...(change.NewImage && { NewImage: eventImage(change.NewImage) }),
      ...(change.OldImage && { OldImage: eventImage(change.OldImage) }),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
  } as DynamoDBRecord;
}

/** The batch's records, from its first sequence number to its last, read back from the stream. */
export async function readBatch(
  streams: DynamoDBStreamsClient,
  info: StreamBatchInfo,
): Promise<DynamoDBRecord[]> {
  const last = BigInt(info.endSequenceNumber);
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: info.streamArn,
      ShardId: info.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: info.startSequenceNumber,
    }),
  );
  const records: DynamoDBRecord[] = [];
  let iterator = ShardIterator;
  let emptyPages = 0;
  while (iterator) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    for (const record of page.Records ?? []) {
      if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > last) return records;
      records.push(eventRecord(record, info.streamArn));
      if (BigInt(record.dynamodb?.SequenceNumber ?? '0') === last) return records;
    }
    emptyPages = page.Records?.length ? 0 : emptyPages + 1;
    if (emptyPages >= MAX_EMPTY_PAGES) break;
    iterator = page.NextShardIterator;
  }
  throw new Error(
    `the shard ended before sequence number ${info.endSequenceNumber} (read ${records.length} of ${info.batchSize} records)`,
  );
}

export interface StreamReplayOptions {
  readonly queueUrl: string;
  /** Sends a stream event to the forwarder (main.ts: lambda:InvokeFunction); tests run the real handler. */
  readonly forward: (event: { Records: DynamoDBRecord[] }) => Promise<DynamoDBBatchResponse>;
  readonly dryRun?: boolean;
  readonly sqs?: SQSClient;
  readonly streams?: DynamoDBStreamsClient;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

export interface StreamReplayTotals {
  replayed: number;
  changes: number;
  /** Older than the stream keeps: the changes are gone from the stream; the message stays. */
  expired: number;
  /** Could not be read back or forwarded whole; the message stays for the next run. */
  failed: number;
}

export async function replayStreamFailures(options: StreamReplayOptions): Promise<StreamReplayTotals> {
  const sqs = options.sqs ?? new SQSClient({});
  const streams = options.streams ?? new DynamoDBStreamsClient({});
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const totals: StreamReplayTotals = { replayed: 0, changes: 0, expired: 0, failed: 0 };
  const release: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: VISIBILITY_SECONDS,
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      const id = message.MessageId;
      try {
        const info = batchInfoOf(message.Body ?? '');
        const age = now().getTime() - Date.parse(info.approximateArrivalOfFirstRecord);
        if (age > STREAM_RETENTION_MS) {
          totals.expired++;
          log(
            `message ${id}: EXPIRED, its first change arrived ${info.approximateArrivalOfFirstRecord}, past the stream's 24 hours; left in the queue (docs/operations.md)`,
          );
          continue;
        }
        const records = await readBatch(streams, info);
        if (options.dryRun) {
          release.push(message.ReceiptHandle as string);
          log(`message ${id}: would replay ${records.length} changes from ${info.shardId}`);
          totals.changes += records.length;
          continue;
        }
        const { batchItemFailures } = await options.forward({ Records: records });
        if (batchItemFailures.length > 0) {
          totals.failed++;
          log(
            `message ${id}: the forwarder did not take ${batchItemFailures.length} of ${records.length} changes; left in the queue`,
          );
          continue;
        }
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        totals.replayed++;
        totals.changes += records.length;
        log(`message ${id}: replayed ${records.length} changes from ${info.shardId}`);
      } catch (error) {
        totals.failed++;
        log(
          `message ${id}: FAILED, ${(error as Error).name}: ${(error as Error).message}; left in the queue`,
        );
      }
    }
  }
  // A dry run changes nothing: what it read is visible again at once.
  for (const handle of release) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: options.queueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: 0,
      }),
    );
  }
  log(
    `${options.dryRun ? 'dry run: ' : ''}${totals.replayed} messages replayed (${totals.changes} changes), ${totals.expired} expired, ${totals.failed} failed`,
  );
  return totals;
}
