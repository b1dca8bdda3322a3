import { createHash } from 'node:crypto';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { allAccepted } from '../../../offline/firehose-events';
import { loadEvent } from '../../../offline/fixtures';
import { functionEnvironment } from '../../../offline/function-environment';
import { jsonProtocolHandler, ServiceError } from '../../../offline/json-protocol';
import { lambdaContext } from '../../../offline/lambda-context';
import { replayStreamFailures, STREAM_RETENTION_MS } from '../../../tools/replay-stream/replay-stream';
import { sentJsonLines } from '../../support/firehose-lines';

Object.assign(process.env, functionEnvironment('DynamoDbStreamForwarderFunction'));
const { handler } =
  require('../../../functions/dynamodb-stream-forwarder/index') as typeof import('../../../functions/dynamodb-stream-forwarder/index');

const firehose = mockClient(FirehoseClient);
const changes = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-forwarder', 'insert-modify-remove');
const deadLetter = loadEvent<{ DDBStreamBatchInfo: { approximateArrivalOfFirstRecord: string } }>(
  'dynamodb-stream-forwarder',
  'dead-letter-message',
);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/loglake-dev-dynamodb-forwarder-dlq';
const arrived = Date.parse(deadLetter.DDBStreamBatchInfo.approximateArrivalOfFirstRecord);
const client = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

/** A standard queue in memory: received messages are invisible until deleted or released. */
function queueOf(bodies: string[]) {
  const messages = bodies.map((Body, n) => ({ MessageId: `m-${n}`, Body, visible: true }));
  const handler = jsonProtocolHandler('sqs', {
    ReceiveMessage: (input) => {
      const batch = messages.filter((m) => m.visible).slice(0, Number(input.MaxNumberOfMessages ?? 1));
      for (const m of batch) m.visible = false;
      return {
        Messages: batch.map(({ MessageId, Body }) => ({
          MessageId,
          ReceiptHandle: `rh-${MessageId}`,
          // SQS sends the body's MD5, and the SDK checks it.
          MD5OfBody: createHash('md5').update(Body).digest('hex'),
          Body,
        })),
      };
    },
    DeleteMessage: (input) => {
      messages.splice(
        messages.findIndex((m) => `rh-${m.MessageId}` === input.ReceiptHandle),
        1,
      );
      return {};
    },
    ChangeMessageVisibility: (input) => {
      const message = messages.find((m) => `rh-${m.MessageId}` === input.ReceiptHandle);
      if (message && input.VisibilityTimeout === 0) message.visible = true;
      return {};
    },
  });
  return { sqs: new SQSClient({ ...client, requestHandler: handler }), messages, calls: handler.calls };
}

/** The stream's shard, on the wire: the fixture's records (a Lambda event adds only eventSourceARN). */
function shardOf(options: { trimmed?: boolean } = {}) {
  const records = changes.Records.map(({ eventSourceARN: _, ...record }) => record);
  const handler = jsonProtocolHandler('dynamodbstreams', {
    GetShardIterator: (input) => {
      if (options.trimmed) throw new ServiceError('TrimmedDataAccessException', 'trimmed from the stream');
      return {
        ShardIterator: `at:${records.findIndex((r) => r.dynamodb?.SequenceNumber === input.SequenceNumber)}`,
      };
    },
    // One record a page, to read across pages.
    GetRecords: (input) => {
      const at = Number(String(input.ShardIterator).slice(3));
      return { Records: records.slice(at, at + 1), NextShardIterator: `at:${at + 1}` };
    },
  });
  return { streams: new DynamoDBStreamsClient({ ...client, requestHandler: handler }), calls: handler.calls };
}

const forward = (event: unknown) =>
  handler(event, lambdaContext('DynamoDbStreamForwarderFunction')) as Promise<DynamoDBBatchResponse>;
const forwardedSequences = () => sentJsonLines(firehose).map((line) => line.sequenceNumber);
const quiet = { log: () => undefined, now: () => new Date(arrived + 60_000) };

beforeEach(() => {
  firehose.reset();
  firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
});

describe('dead-letter replay of the DynamoDB forwarder', () => {
  it('reads the failed batch back from the stream, forwards exactly it, and deletes the message', async () => {
    const queue = queueOf([JSON.stringify(deadLetter)]);
    const shard = shardOf();

    const totals = await replayStreamFailures({ queueUrl: QUEUE, forward, ...queue, ...shard, ...quiet });

    expect(totals).toEqual({ replayed: 1, changes: 2, expired: 0, failed: 0 });
    expect(forwardedSequences()).toEqual(['410090000000000183942270002', '410090000000000183942270003']);
    expect(queue.messages).toEqual([]);
    expect(shard.calls[0]).toEqual({
      operation: 'GetShardIterator',
      input: expect.objectContaining({
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: '410090000000000183942270002',
      }),
    });
  });

  it('forwards the changes as the stream event had them: the same lines, binary and numbers included', async () => {
    await replayStreamFailures({
      queueUrl: QUEUE,
      forward,
      ...queueOf([JSON.stringify(deadLetter)]),
      ...shardOf(),
      ...quiet,
    });
    const replayed = firehose
      .commandCalls(PutRecordBatchCommand)
      .map((c) => Buffer.from(c.args[0].input.Records?.[0]?.Data as Uint8Array).toString('utf8'));
    firehose.resetHistory();

    await forward({ Records: changes.Records.slice(1) as DynamoDBRecord[] });

    const original = firehose
      .commandCalls(PutRecordBatchCommand)
      .map((c) => Buffer.from(c.args[0].input.Records?.[0]?.Data as Uint8Array).toString('utf8'));
    expect(replayed).toEqual(original);
  });

  it('is safe to run again: a replayed message is gone, so nothing is forwarded twice', async () => {
    const queue = queueOf([JSON.stringify(deadLetter)]);
    await replayStreamFailures({ queueUrl: QUEUE, forward, ...queue, ...shardOf(), ...quiet });
    firehose.resetHistory();

    const again = await replayStreamFailures({ queueUrl: QUEUE, forward, ...queue, ...shardOf(), ...quiet });

    expect(again).toEqual({ replayed: 0, changes: 0, expired: 0, failed: 0 });
    expect(forwardedSequences()).toEqual([]);
  });

  it('keeps the message, and says so, when the forwarder still cannot deliver', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(({ Records }) => ({
      FailedPutCount: Records.length,
      RequestResponses: Records.map(() => ({
        ErrorCode: 'ServiceUnavailableException',
        ErrorMessage: 'slow down',
      })),
    }));
    const queue = queueOf([JSON.stringify(deadLetter)]);
    const lines: string[] = [];

    const totals = await replayStreamFailures({
      queueUrl: QUEUE,
      forward,
      ...queue,
      ...shardOf(),
      ...quiet,
      log: (l) => lines.push(l),
    });

    expect(totals.failed).toBe(1);
    expect(queue.messages).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/left in the queue/);
  }, 60_000);

  it('keeps a message whose batch the stream no longer holds, naming the error, or that is past 24 hours', async () => {
    const trimmed = queueOf([JSON.stringify(deadLetter)]);
    const lines: string[] = [];
    expect(
      await replayStreamFailures({
        queueUrl: QUEUE,
        forward,
        ...trimmed,
        ...shardOf({ trimmed: true }),
        ...quiet,
        log: (l) => lines.push(l),
      }),
    ).toMatchObject({ failed: 1 });
    expect(lines[0]).toMatch(/FAILED, TrimmedDataAccessException/);

    const old = queueOf([JSON.stringify(deadLetter)]);
    const late = { ...quiet, now: () => new Date(arrived + STREAM_RETENTION_MS + 1) };
    expect(
      await replayStreamFailures({ queueUrl: QUEUE, forward, ...old, ...shardOf(), ...late }),
    ).toMatchObject({ expired: 1 });
    expect(old.messages).toHaveLength(1);
    expect(forwardedSequences()).toEqual([]);
  });

  it('leaves a message that is not a stream failure record in the queue', async () => {
    const queue = queueOf(['{"hello":"world"}']);

    expect(
      await replayStreamFailures({ queueUrl: QUEUE, forward, ...queue, ...shardOf(), ...quiet }),
    ).toMatchObject({ failed: 1 });
    expect(queue.messages).toHaveLength(1);
  });

  it('changes nothing on a dry run: nothing forwarded, the message visible again', async () => {
    const queue = queueOf([JSON.stringify(deadLetter)]);

    const totals = await replayStreamFailures({
      queueUrl: QUEUE,
      forward,
      dryRun: true,
      ...queue,
      ...shardOf(),
      ...quiet,
    });

    expect(totals).toEqual({ replayed: 0, changes: 2, expired: 0, failed: 0 });
    expect(forwardedSequences()).toEqual([]);
    expect(queue.messages).toEqual([expect.objectContaining({ visible: true })]);
  });
});
