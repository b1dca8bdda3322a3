import { gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { originalRecords, REPLAYED_TAG, replay } from '../../../tools/replay/replay';

const s3 = mockClient(S3Client);
const firehose = mockClient(FirehoseClient);
const LINES = [
  '10.0.0.7 - - [22/Nov/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 2326',
  'not an access log line',
  'ünïcödé line',
];

/** A processing-failed object as Firehose writes it: one JSON line per record, GZIP. */
const failedObject = (lines: string[]) =>
  gzipSync(
    lines
      .map((line) =>
        JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: 1763819736000,
          errorCode: 'Lambda.FunctionError',
          errorMessage: 'The Lambda function returned ProcessingFailed',
          rawData: Buffer.from(line).toString('base64'),
          lambdaArn:
            'arn:aws:lambda:eu-west-1:123456789012:function:loglake-dev-clickstream-transform:$LATEST',
        }),
      )
      .join('\n'),
  );

function bucketWith(objects: Record<string, Buffer>, tagged: string[] = []) {
  s3.reset();
  firehose.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: Object.keys(objects).map((Key) => ({ Key })) });
  s3.on(GetObjectTaggingCommand).callsFake(({ Key }) => ({
    TagSet: tagged.includes(Key) ? [{ Key: REPLAYED_TAG, Value: 'earlier' }] : [],
  }));
  s3.on(GetObjectCommand).callsFake(({ Key }) => ({
    // What the SDK's stream body offers the script.
    Body: { transformToByteArray: async () => new Uint8Array(objects[Key] as Buffer) } as never,
  }));
  s3.on(PutObjectTaggingCommand).resolves({});
  firehose.on(PutRecordBatchCommand).callsFake(({ Records }) => ({
    FailedPutCount: 0,
    RequestResponses: Records.map(() => ({ RecordId: 'r' })),
  }));
}

const run = (dryRun = false) =>
  replay({
    bucket: 'loglake-dev-raw',
    prefix: 'clickstream-errors/processing-failed/',
    stream: 'loglake-dev-clickstream',
    dryRun,
    s3: new S3Client({}),
    firehose: new FirehoseClient({}),
    log: () => {},
    // No real backoff pauses in tests.
    retry: { sleep: async () => {} },
  });

describe('replay of processing-failed objects', () => {
  it('puts every original record back into the stream, byte for byte, and tags the object as replayed', async () => {
    bucketWith({ 'clickstream-errors/processing-failed/year=2026/a.gz': failedObject(LINES) });

    const totals = await run();

    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((c) => c.args[0].input.Records ?? []);
    expect(sent.map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'))).toEqual(LINES);
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(
      'loglake-dev-clickstream',
    );
    expect(s3.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input.Tagging?.TagSet).toEqual([
      { Key: REPLAYED_TAG, Value: expect.any(String) },
    ]);
    expect(totals).toEqual({ objects: 1, skipped: 0, records: 3 });
  });

  it('skips objects replayed before, so running it again sends nothing twice', async () => {
    bucketWith({ 'p/a.gz': failedObject(LINES), 'p/b.gz': failedObject(['x']) }, ['p/a.gz']);

    const totals = await run();

    expect(totals).toEqual({ objects: 1, skipped: 1, records: 1 });
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
  });

  it('sends nothing and tags nothing on a dry run', async () => {
    bucketWith({ 'p/a.gz': failedObject(LINES) });

    expect(await run(true)).toEqual({ objects: 1, skipped: 0, records: 3 });
    expect(firehose.commandCalls(PutRecordBatchCommand)).toEqual([]);
    expect(s3.commandCalls(PutObjectTaggingCommand)).toEqual([]);
  });

  it('re-sends only the records Firehose refused, and leaves the object untagged when it keeps refusing', async () => {
    bucketWith({ 'p/a.gz': failedObject(LINES) });
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [
          { RecordId: 'r' },
          { ErrorCode: 'ServiceUnavailableException' },
          { RecordId: 'r' },
        ],
      })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });

    await run();

    expect(
      firehose
        .commandCalls(PutRecordBatchCommand)[1]
        ?.args[0].input.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString()),
    ).toEqual([LINES[1]]);

    bucketWith({ 'p/a.gz': failedObject(LINES) });
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 3,
      RequestResponses: LINES.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
    });
    await expect(run()).rejects.toThrow(
      '3 records still refused (ServiceUnavailableException); not tagged, run again',
    );
    expect(s3.commandCalls(PutObjectTaggingCommand)).toEqual([]);
  });

  it('refuses an object that is not processing-failed output', () => {
    expect(() => originalRecords(gzipSync('{"host":"10.0.0.7"}\n'))).toThrow('line 1 has no rawData');
  });
});
