import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../functions/clickstream-transform/index';
import { allAccepted, firehoseEvent } from '../../../offline/firehose-events';
import { loadEvent } from '../../../offline/fixtures';
import { lambdaContext } from '../../../offline/lambda-context';

const firehose = mockClient(FirehoseClient);
const FIREHOSE_RESPONSE_LIMIT = 6_000_000;

const invoke = (event: unknown) =>
  handler(event, lambdaContext('ClickstreamTransformFunction')) as Promise<FirehoseTransformationResult>;
const decode = (record: FirehoseTransformationResultRecord) =>
  JSON.parse(Buffer.from(record.data ?? '', 'base64').toString('utf8'));
const fixture = (name: string) => loadEvent<FirehoseTransformationEvent>('clickstream-transform', name);

const eventOfLines = (lines: readonly string[], eventBytes: number) =>
  firehoseEvent('loglake-dev-clickstream', lines, eventBytes);

beforeEach(() => {
  firehose.reset();
});

describe('clickstream transform handler', () => {
  it('answers every record of the mixed fixture with its own recordId, in order', async () => {
    const event = fixture('mixed');

    const response = await invoke(event);

    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records.map((r) => r.result)).toEqual([
      'Ok',
      'Dropped',
      'ProcessingFailed',
      'Ok',
      'Ok',
      'ProcessingFailed',
    ]);
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('keeps the original data of every line it cannot parse, including invalid UTF-8', async () => {
    const event = fixture('malformed');

    const response = await invoke(event);

    expect(response.records).toEqual(
      event.records.map((r) => ({ recordId: r.recordId, result: 'ProcessingFailed', data: r.data })),
    );
  });

  it('fails a record whose data is not base64 with its data, rather than dropping it as blank', async () => {
    const good = fixture('good');
    const event = {
      ...good,
      records: [
        { ...good.records[0], recordId: 'not-base64', data: '!!!!' },
        { ...good.records[0], recordId: 'unpadded', data: 'MTIz'.slice(0, 3) },
      ],
    } as FirehoseTransformationEvent;

    const response = await invoke(event);

    expect(response.records).toEqual([
      { recordId: 'not-base64', result: 'ProcessingFailed', data: '!!!!' },
      { recordId: 'unpadded', result: 'ProcessingFailed', data: 'MTI' },
    ]);
  });

  it('drops blank lines without sending data back', async () => {
    const response = await invoke(fixture('blank'));

    expect(response.records.every((r) => r.result === 'Dropped' && r.data === undefined)).toBe(true);
  });

  it('writes newline-terminated JSON documents partitioned by the request UTC hour', async () => {
    const response = await invoke(fixture('good'));

    expect(response.records.every((r) => r.result === 'Ok')).toBe(true);
    const [first] = response.records;
    expect(Buffer.from(first?.data ?? '', 'base64').toString('utf8')).toMatch(/^\{.*\}\n$/);
    expect(decode(first as FirehoseTransformationResultRecord)).toMatchObject({
      host: '192.168.1.20',
      '@timestamp': '2026-11-22T13:05:09+01:00',
      '@timestamp_utc': '2026-11-22T12:05:09Z',
      response: 200,
      bytes: 5120,
    });
    expect(response.records.map((r) => r.metadata?.partitionKeys)).toEqual([
      { year: '2026', month: '11', day: '22', hour: '12' },
      { year: '2026', month: '10', day: '10', hour: '20' },
      { year: '2026', month: '11', day: '22', hour: '00' },
      { year: '2026', month: '11', day: '23', hour: '04' },
      { year: '2026', month: '11', day: '22', hour: '10' },
      { year: '2026', month: '11', day: '22', hour: '10' },
      { year: '2026', month: '11', day: '22', hour: '10' },
    ]);
  });

  it('carries usernames from the clickstream cookie field', async () => {
    const response = await invoke(fixture('clickstream'));

    expect(response.records.map((r) => decode(r).username)).toEqual(['alice', 'bob', null, 'carol']);
    expect(response.records.map((r) => decode(r).response)).toEqual([200, 302, 200, 500]);
  });

  it('fails the whole invocation with a named error when the event is not a Firehose event', async () => {
    await expect(invoke({ records: 'nope' })).rejects.toMatchObject({ name: 'InvalidFirehoseEventError' });
  });

  it('stays under the response limit at the configured 1 MiB buffering hint with realistic lines', async () => {
    const lines = fixture('mixed').records.map((r) => Buffer.from(r.data, 'base64').toString('latin1'));
    const event = eventOfLines(lines, Math.ceil((1024 * 1024 * 4) / 3) + 200_000);

    const response = await invoke(event);

    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(FIREHOSE_RESPONSE_LIMIT);
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('keeps the largest event Firehose can send under 6,000,000 bytes by re-ingesting what does not fit', async () => {
    // The shortest valid lines expand the most (each grows ~10x into JSON + base64 + metadata).
    const worstCase = [
      'a - - [22/Nov/2026:13:05:09 +0000] "-" 400 -',
      '::1 - - [22/Nov/2026:13:05:09 +0000] "GET / HTTP/1.1" 200 -',
    ];
    const event = eventOfLines(worstCase, 6_000_000);
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);

    const response = await invoke(event);

    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(FIREHOSE_RESPONSE_LIMIT);
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    const dropped = response.records.flatMap((r, i) => (r.result === 'Dropped' ? [i] : []));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length + response.records.filter((r) => r.result === 'Ok').length).toBe(
      event.records.length,
    );
    const puts = firehose.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input);
    expect(puts.every((p) => p.DeliveryStreamName === 'loglake-dev-clickstream')).toBe(true);
    expect(puts.every((p) => (p.Records?.length ?? 0) <= 500)).toBe(true);
    const reingested = puts
      .flatMap((p) => p.Records ?? [])
      .map((r) => Buffer.from(r.Data as Uint8Array).toString('base64'));
    expect(reingested).toEqual(dropped.map((i) => event.records[i]?.data));
  });

  it('retries the entries Firehose rejects and re-ingests each overflow record once', async () => {
    const event = eventOfLines(['a - - [22/Nov/2026:13:05:09 +0000] "-" 400 -'], 6_000_000);
    firehose
      .on(PutRecordBatchCommand)
      .callsFakeOnce((input) => ({
        FailedPutCount: 1,
        RequestResponses: input.Records.map((_: unknown, i: number) =>
          i === 0
            ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
            : { RecordId: 'ok' },
        ),
      }))
      .callsFake((input) => ({
        FailedPutCount: 0,
        RequestResponses: input.Records.map(() => ({ RecordId: 'ok' })),
      }));

    const response = await invoke(event);

    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((c) => c.args[0].input.Records ?? []);
    const dropped = response.records.filter((r) => r.result === 'Dropped').length;
    expect(sent.length).toBe(dropped + 1);
    expect(firehose.commandCalls(PutRecordBatchCommand).at(-1)?.args[0].input.Records).toHaveLength(1);
  });

  it('transforms an event without deliveryStreamArn, as sam local generate-event writes them', async () => {
    const { deliveryStreamArn: _, ...event } = fixture('good');

    const response = await invoke(event);

    expect(response.records.map((r) => r.result)).toEqual(fixture('good').records.map(() => 'Ok'));
  });

  it('fails by name, keeping every record, when overflow must be re-ingested and no stream is named', async () => {
    const { deliveryStreamArn: _, ...event } = eventOfLines(
      ['a - - [22/Nov/2026:13:05:09 +0000] "-" 400 -'],
      6_000_000,
    );

    await expect(invoke(event)).rejects.toMatchObject({
      name: 'InvalidFirehoseEventError',
      message: expect.stringMatching(/deliveryStreamArn is missing: it names the stream that \d+ records/),
    });
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('fails the invocation, rather than drop data, when overflow records cannot be re-ingested', async () => {
    const event = eventOfLines(['a - - [22/Nov/2026:13:05:09 +0000] "-" 400 -'], 6_000_000);
    firehose
      .on(PutRecordBatchCommand)
      .rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailableException' }));

    await expect(invoke(event)).rejects.toMatchObject({
      name: 'ReingestFailedError',
      message: expect.stringContaining('ServiceUnavailableException'),
    });
  });
});
