import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';
import { forwardQueueEvent } from '../../../tools/local/search';

const environment = functionEnvironment('SearchForwarderFunction');
Object.assign(process.env, environment);
const { handler } =
  require('../../../functions/search-forwarder/index') as typeof import('../../../functions/search-forwarder/index');

const RAW = String(environment.RAW_BUCKET);
const firehose = mockClient(FirehoseClient);
const s3 = mockClient(S3Client);
const invoke = (event: unknown) =>
  handler(event, lambdaContext('SearchForwarderFunction')) as Promise<SQSBatchResponse>;

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"path":"/p${i}","response":200}\n`).join('');
const objectBody = (text: string) => ({ Body: Readable.from([gzipSync(text)]) as never });
const accepted = (input: PutRecordBatchCommandInput) => ({
  FailedPutCount: 0,
  RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `r${i}` })),
});
const sentDocuments = () =>
  firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((c) => (c.args[0].input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString()));

beforeEach(() => {
  firehose.reset();
  s3.reset();
});

describe('search forwarder', () => {
  it('sends every line of the object, as one document each, to the search stream', async () => {
    s3.on(GetObjectCommand, { Bucket: RAW, Key: 'clickstream/a.gz' }).resolves(objectBody(lines(1200)));
    firehose.on(PutRecordBatchCommand).callsFake(accepted);

    const answer = await invoke(forwardQueueEvent(RAW, 'clickstream/a.gz', 100));

    expect(answer).toEqual({ batchItemFailures: [] });
    const sent = sentDocuments();
    expect(sent).toHaveLength(1200);
    expect(sent[0]).toBe('{"path":"/p0","response":200}');
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls.map((c) => c.args[0].input.Records?.length)).toEqual([500, 500, 200]);
    expect(new Set(calls.map((c) => c.args[0].input.DeliveryStreamName))).toEqual(
      new Set([environment.SEARCH_DELIVERY_STREAM_NAME]),
    );
  });

  it('retries documents Firehose did not accept, and reports the object when some never are', async () => {
    s3.on(GetObjectCommand).resolves(objectBody(lines(3)));
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [
        { RecordId: 'a' },
        { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
        { RecordId: 'c' },
      ],
    });
    const event = forwardQueueEvent(RAW, 'clickstream/b.gz', 10);

    await expect(invoke(event)).rejects.toThrow(FullBatchFailureError);

    expect(firehose.commandCalls(PutRecordBatchCommand).length).toBeGreaterThan(1);
  });

  it('reports only the message whose object failed when a batch holds several', async () => {
    s3.on(GetObjectCommand, { Key: 'clickstream/ok.gz' }).resolves(objectBody(lines(2)));
    s3.on(GetObjectCommand, { Key: 'clickstream/gone.gz' }).rejects(
      Object.assign(new Error('gone'), { name: 'NoSuchKey' }),
    );
    firehose.on(PutRecordBatchCommand).callsFake(accepted);
    const ok = forwardQueueEvent(RAW, 'clickstream/ok.gz', 10).Records;
    const gone = forwardQueueEvent(RAW, 'clickstream/gone.gz', 10).Records;

    const answer = await invoke({ Records: [...ok, ...gone] });

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: gone[0]?.messageId }]);
    expect(sentDocuments()).toHaveLength(2);
  });

  it('reports a message that is not an Object Created event for the raw zone, reading nothing', async () => {
    const event = forwardQueueEvent('another-bucket', 'clickstream/c.gz', 10);

    await expect(invoke(event)).rejects.toThrow(FullBatchFailureError);

    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('reports an object it cannot read (gone, or not gzip) so the message is retried, then dead-lettered', async () => {
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('plain text')]) as never });
    const event = forwardQueueEvent(RAW, 'clickstream/d.gz', 10);

    await expect(invoke(event)).rejects.toThrow(FullBatchFailureError);

    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });
});
