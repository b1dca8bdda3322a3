import { gunzipSync, gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../functions/cloudwatch-logs-transform/index';
import type { DataMessage } from '../../../functions/cloudwatch-logs-transform/subscription';
import { allAccepted, firehoseEvent } from '../../../offline/firehose-events';
import { loadEvent } from '../../../offline/fixtures';
import { lambdaContext } from '../../../offline/lambda-context';

const firehose = mockClient(FirehoseClient);
const invoke = (event: unknown) =>
  handler(event, lambdaContext('CloudWatchLogsTransformFunction')) as Promise<FirehoseTransformationResult>;
const fixture = (name: string) => loadEvent<FirehoseTransformationEvent>('cloudwatch-logs-transform', name);
const lines = (record: FirehoseTransformationResultRecord) =>
  Buffer.from(record.data ?? '', 'base64')
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
const decodePayload = (data: Uint8Array) => JSON.parse(gunzipSync(data).toString('utf8')) as DataMessage;

beforeEach(() => firehose.reset());

describe('cloudwatch logs transform handler', () => {
  it('turns each DATA_MESSAGE into one JSON line per log event with every field', async () => {
    const response = await invoke(fixture('data-message'));

    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Ok']);
    const [lambdaLogs, flowLogs] = response.records as [
      FirehoseTransformationResultRecord,
      FirehoseTransformationResultRecord,
    ];
    expect(lines(lambdaLogs)).toEqual([
      {
        timestamp: '2026-11-22T13:05:09.120Z',
        message: 'START RequestId: 5f0e0c47-8e9d-4c0a-9a3f-2f5b6f1d8e21 Version: $LATEST\n',
        logGroup: '/aws/lambda/checkout-api',
        logStream: '2026/11/22/[$LATEST]7d2b5a3c9e1f4b8a8c6d0e2f4a6b8c0d',
        owner: '123456789012',
        id: '38941203810012345678901234567890123456789012345678901234',
      },
      expect.objectContaining({
        timestamp: '2026-11-22T13:05:09.161Z',
        message: {
          level: 'INFO',
          message: 'Order placed',
          service: 'checkout',
          orderId: 'o-1842',
          amount: 59.9,
          timestamp: '2026-11-22T13:05:09.161Z',
        },
      }),
      expect.objectContaining({ message: expect.stringContaining('WARN\tinventory slow') }),
      expect.objectContaining({ message: expect.stringMatching(/^END RequestId/) }),
    ]);
    expect(lambdaLogs.metadata?.partitionKeys).toEqual({
      account: '123456789012',
      logGroup: 'aws_lambda_checkout-api',
      year: '2026',
      month: '11',
      day: '22',
      hour: '13',
    });
    expect(flowLogs.metadata?.partitionKeys).toEqual({
      account: '123456789012',
      logGroup: 'vpc_flow-logs_prod',
      year: '2026',
      month: '11',
      day: '22',
      hour: '23',
    });
  });

  it("partitions sending accounts' payloads (central logging) each under its own account", async () => {
    const response = await invoke(fixture('central-accounts'));

    expect(
      response.records.map((r) => [
        r.result,
        r.metadata?.partitionKeys?.account,
        r.metadata?.partitionKeys?.logGroup,
      ]),
    ).toEqual([
      ['Ok', '111111111111', 'aws_lambda_checkout-api'],
      ['Ok', '222222222222', 'aws_lambda_payments'],
      ['Ok', '222222222222', 'aws_rds_instance_orders_postgresql'],
    ]);
  });

  it('drops CONTROL_MESSAGE records', async () => {
    const event = fixture('control-message');

    const response = await invoke(event);

    expect(response.records).toEqual([{ recordId: event.records[0]?.recordId, result: 'Dropped' }]);
  });

  it('keeps bad gzip, bad JSON, unknown types and malformed events as ProcessingFailed with their data', async () => {
    const event = fixture('bad-payloads');

    const response = await invoke(event);

    expect(response.records).toEqual(
      event.records.map((r) => ({ recordId: r.recordId, result: 'ProcessingFailed', data: r.data })),
    );
  });

  it('answers a mixed batch record by record, in order', async () => {
    const event = fixture('mixed');

    const response = await invoke(event);

    expect(response.records.map((r) => [r.recordId, r.result])).toEqual(
      event.records.map((r, i) => [r.recordId, ['Dropped', 'Ok', 'ProcessingFailed', 'Ok'][i]]),
    );
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('re-ingests, split into pieces, a payload that expands past the 6,000,000-byte limit', async () => {
    const small = Buffer.from(fixture('data-message').records[0]?.data ?? '', 'base64');
    const huge: DataMessage = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/chatty',
      logStream: 's',
      subscriptionFilters: ['f'],
      logEvents: Array.from({ length: 30_000 }, (_, n) => ({
        id: `${n}`.padStart(56, '0'),
        timestamp: Date.UTC(2026, 10, 22, 13) + n,
        message: `DEBUG cache miss for key customer-${n % 10} ${'x'.repeat(150)}`,
      })),
    };
    const compressedHuge = gzipSync(JSON.stringify(huge));
    const event = firehoseEvent('loglake-dev-cloudwatch-logs', [small, compressedHuge, small]);
    firehose.on(PutRecordBatchCommand).callsFake(allAccepted);

    const response = await invoke(event);

    expect(compressedHuge.byteLength).toBeLessThan(1_000_000);
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(6_000_000);
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Dropped', 'Dropped']);
    const pieces = firehose
      .commandCalls(PutRecordBatchCommand)
      .flatMap((call) => call.args[0].input.Records ?? [])
      .map((r) => r.Data as Uint8Array);
    expect(pieces.every((piece) => piece.byteLength <= 1000 * 1024)).toBe(true);
    const decoded = pieces.map(decodePayload);
    const reingestedEvents = decoded.flatMap((d) => d.logEvents);
    expect(reingestedEvents).toEqual([...huge.logEvents, ...decodePayload(small).logEvents]);
    expect(decoded.filter((d) => d.logGroup === '/aws/lambda/chatty').length).toBeGreaterThan(5);
  });

  it('fails the invocation with a named error for an event that is not a Firehose event', async () => {
    await expect(invoke({ deliveryStreamArn: 'x' })).rejects.toMatchObject({
      name: 'InvalidFirehoseEventError',
    });
  });
});
