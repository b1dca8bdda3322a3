import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { allAccepted } from '../../../offline/firehose-events';
import { loadEvent } from '../../../offline/fixtures';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';
import { sentJsonLines } from '../../support/firehose-lines';

// The handler reads the variables template.yaml gives it at cold start, i.e. when required.
Object.assign(process.env, functionEnvironment('DynamoDbStreamForwarderFunction'));
const { handler } =
  require('../../../functions/dynamodb-stream-forwarder/index') as typeof import('../../../functions/dynamodb-stream-forwarder/index');

type Handler = (event: unknown, context: unknown) => Promise<DynamoDBBatchResponse>;

const fixture = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-forwarder', 'insert-modify-remove');

const firehose = mockClient(FirehoseClient);
const s3 = mockClient(S3Client);

/** Loads the handler afresh, as Lambda would at cold start, with the given environment. */
function loadHandler(env: Record<string, string | undefined>): Handler {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      handler = require('../../../functions/dynamodb-stream-forwarder/index').handler;
    });
    return handler as Handler;
  } finally {
    process.env = saved;
  }
}

const invoke = (event: unknown) => handler(event, lambdaContext('DynamoDbStreamForwarderFunction'));

/** `count` realistic changes to distinct orders, with increasing sequence numbers. */
function changes(count: number): DynamoDBStreamEvent {
  const template = fixture.Records[1] as DynamoDBRecord;
  return {
    Records: Array.from({ length: count }, (_, n) => {
      const record = JSON.parse(JSON.stringify(template)) as DynamoDBRecord;
      const dynamodb = record.dynamodb as NonNullable<DynamoDBRecord['dynamodb']>;
      dynamodb.SequenceNumber = `5${String(n).padStart(20, '0')}`;
      (dynamodb.Keys as Record<string, { S: string }>).sk = { S: `ORDER#o-${n}` };
      record.eventID = `evt-${n}`;
      return record;
    }),
  };
}
const sentLines = () => sentJsonLines(firehose);

beforeEach(() => {
  firehose.reset();
  s3.reset();
});

/** `changes(count)` with change `big` given a NewImage attribute of `bytes` bytes (DynamoDB items reach 400 KB; images and keys together, twice that). */
function withLargeChange(count: number, big: number, bytes: number): DynamoDBStreamEvent {
  const event = changes(count);
  const dynamodb = (event.Records[big] as DynamoDBRecord).dynamodb as NonNullable<DynamoDBRecord['dynamodb']>;
  dynamodb.NewImage = { ...dynamodb.NewImage, note: { S: 'n'.repeat(bytes) } };
  return event;
}

describe('dynamodb stream forwarder', () => {
  it('forwards the fixture batch as one Firehose record of three JSON lines', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);

    const response = await invoke(fixture);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 1);
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, {
      DeliveryStreamName: 'loglake-test-DynamoDbDeliveryStream',
    });
    expect(sentLines().map((l) => [l.eventName, l.table, (l.keys as { sk?: unknown }).sk])).toEqual([
      ['INSERT', 'loglake-dev-orders', 'ORDER#o-1842'],
      ['MODIFY', 'loglake-dev-orders', 'ORDER#o-1842'],
      ['REMOVE', 'loglake-dev-orders', 'ORDER#o-1842'],
    ]);
  });

  it('packs 10,000 changes into a handful of records and calls, within the PutRecordBatch quotas', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
    const event = changes(10_000);

    const response = await invoke(event);

    const inputs = firehose
      .commandCalls(PutRecordBatchCommand)
      .map((c) => c.args[0].input as PutRecordBatchCommandInput);
    const records = inputs.flatMap((i) => i.Records ?? []);
    const bytes = records.reduce((sum, r) => sum + (r.Data as Uint8Array).byteLength, 0);
    expect(response.batchItemFailures).toEqual([]);
    expect(records.length).toBe(Math.ceil(bytes / (1000 * 1024)));
    expect(inputs.length).toBeLessThanOrEqual(Math.ceil(bytes / (4 * 1024 * 1024)) + 1);
    expect(records.every((r) => (r.Data as Uint8Array).byteLength <= 1000 * 1024)).toBe(true);
    expect(
      inputs.every(
        (i) =>
          (i.Records ?? []).reduce((s, r) => s + (r.Data as Uint8Array).byteLength, 0) <= 4 * 1024 * 1024,
      ),
    ).toBe(true);
    expect(sentLines().map((l) => l.sequenceNumber)).toEqual(
      event.Records.map((r) => r.dynamodb?.SequenceNumber),
    );
  });

  it('retries entries Firehose rejects, and reports exactly the changes still not delivered', async () => {
    const event = changes(10_000);
    // Firehose keeps rejecting the record that carries change 5000; everything else is accepted
    // (the first attempt also throttles another record, which the retry delivers).
    let call = 0;
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      call++;
      const responses = (input.Records ?? []).map((r, i) => {
        const text = Buffer.from(r.Data as Uint8Array).toString('utf8');
        const rejected = text.includes('"evt-5000"') || (call === 1 && i === 0);
        return rejected
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
          : { RecordId: `r${i}` };
      });
      return {
        FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
        RequestResponses: responses,
      };
    });

    const response = await invoke(event);

    const delivered = new Set(sentLines().map((l) => l.sequenceNumber));
    const failing = firehose
      .commandCalls(PutRecordBatchCommand)
      .flatMap((c) => c.args[0].input.Records ?? [])
      .map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'))
      .find((text) => text.includes('"evt-5000"')) as string;
    const failingSequences = failing
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).sequenceNumber as string);
    expect(response.batchItemFailures).toEqual(
      failingSequences.map((itemIdentifier) => ({ itemIdentifier })),
    );
    expect(
      event.Records.map((r) => r.dynamodb?.SequenceNumber)
        .filter((s) => !failingSequences.includes(s as string))
        .every((s) => delivered.has(s)),
    ).toBe(true);
  });

  it('reports a change it cannot read, and forwards the rest', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
    const event = changes(3);
    (event.Records[1] as DynamoDBRecord).eventSourceARN = 'arn:aws:sqs:eu-west-1:123456789012:not-a-stream';

    const response = await invoke(event);

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber },
    ]);
    expect(sentLines()).toHaveLength(2);
  });

  it('keeps a change too large for a Firehose record whole in S3, and forwards a line pointing to it', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
    s3.on(PutObjectCommand).resolves({});
    const event = withLargeChange(3, 1, 1_100_000);
    const sequence = event.Records[1]?.dynamodb?.SequenceNumber as string;
    const bucket = process.env.OVERFLOW_BUCKET as string;

    const response = await invoke(event);

    expect(response).toEqual({ batchItemFailures: [] });
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      Bucket: bucket,
      Key: expect.stringMatching(new RegExp(`^dynamodb-overflow/[^/]+/${sequence}\\.json$`)),
    });
    const whole = JSON.parse(Buffer.from(put?.Body as Buffer).toString('utf8'));
    expect(whole.newImage.note).toHaveLength(1_100_000);
    const lines = sentLines();
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatchObject({
      sequenceNumber: sequence,
      newImage: null,
      overflow: { bucket, key: put?.Key, bytes: Buffer.byteLength(put?.Body as Buffer) },
    });
    expect(lines[1]?.keys).toEqual(whole.keys);
  });

  it('writes a retried oversized change to the same object, never a second one', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
    s3.on(PutObjectCommand).resolves({});
    const event = withLargeChange(2, 0, 1_100_000);

    await invoke(event);
    await invoke(event);

    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('reports an oversized change it could not keep in S3, and forwards the rest', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);
    // An S3 error code from https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const event = withLargeChange(3, 2, 1_100_000);

    const response = await invoke(event);

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[2]?.dynamodb?.SequenceNumber },
    ]);
    expect(sentLines()).toHaveLength(2);
  });

  it('fails the whole batch, so Lambda retries and bisects it, when nothing could be delivered', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailableException' }));

    await expect(invoke(fixture)).rejects.toMatchObject({ name: 'FullBatchFailureError' });
  });

  it('rejects an event that is not a stream batch with a named error', async () => {
    await expect(invoke({ records: [] })).rejects.toMatchObject({ name: 'InvalidStreamEventError' });
  });

  it('refuses to start without its delivery stream and overflow bucket names', () => {
    expect(() => loadHandler({ DELIVERY_STREAM_NAME: undefined, OVERFLOW_BUCKET: undefined })).toThrow(
      'Missing required environment variables: DELIVERY_STREAM_NAME, OVERFLOW_BUCKET',
    );
  });
});
