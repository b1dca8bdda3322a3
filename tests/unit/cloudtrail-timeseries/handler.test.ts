import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';
import { kmsEvents, pagesOf } from './trail-events';

// The handler reads the variables template.yaml gives it at cold start, i.e. when required.
Object.assign(process.env, functionEnvironment('CloudTrailTimeseriesFunction'));
const { handler } =
  require('../../../functions/cloudtrail-timeseries/index') as typeof import('../../../functions/cloudtrail-timeseries/index');

const cloudtrail = mockClient(CloudTrailClient);
const s3 = mockClient(S3Client);
const invoke = (event: unknown) =>
  handler(event, lambdaContext('CloudTrailTimeseriesFunction')) as Promise<Record<string, unknown>>;
const written = () =>
  Object.fromEntries(
    s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, String(c.args[0].input.Body)]),
  );

function serve(events: ReturnType<typeof kmsEvents>) {
  const pages = pagesOf(events);
  cloudtrail.on(LookupEventsCommand).callsFake((input) => {
    const index = input.NextToken ? Number(String(input.NextToken).slice(6)) / 50 : 0;
    return pages[index];
  });
}

beforeEach(() => {
  cloudtrail.reset();
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  jest.useRealTimers();
});

describe('cloudtrail timeseries handler', () => {
  it('pages every event of the hour, 50 a page, and writes the seed CSV and its aggregate', async () => {
    serve(kmsEvents('2026-11-20T13:00:00Z', 230));

    const result = await invoke({ service: 'kms', hour: '2026-11-20T13:00:00Z' });

    expect(result).toEqual({
      s3Uri: 's3://loglake-test-rawbucket/timeseries/20261120/1300/kms-timeseries-20261120-1300.csv',
      events: 230,
      eventsWithoutTime: 0,
    });
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(5);
    // (The paginator reuses one input object, adding each page's NextToken.)
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]?.args[0].input).toMatchObject({
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'kms.amazonaws.com' }],
      StartTime: new Date('2026-11-20T13:00:00Z'),
      EndTime: new Date('2026-11-20T14:00:00Z'),
      MaxResults: 50,
    });
    const files = written();
    const rows: string[] =
      files['timeseries/20261120/1300/kms-timeseries-20261120-1300.csv']?.trimEnd().split('\n') ?? [];
    expect(rows).toHaveLength(231);
    expect(rows[1]).toMatch(
      /^2026-11-20 13:00:07\+00:00,[0-9a-f-]+,kms.amazonaws.com,Decrypt,true,none,none,1,2026-11-20 13:00:07$/,
    );
    expect(rows.slice(1).map((r) => r.slice(0, 19))).toEqual(
      rows
        .slice(1)
        .map((r) => r.slice(0, 19))
        .sort(),
    );
    expect(files['timeseries-aggregated/20261120/1300/kms-calls-20261120-1300.csv']).toContain(
      '2026-11-20 13:00:00,Decrypt,true,checkout-api-role,',
    );
  }, 20_000);

  it('writes header-only files for an hour with no events', async () => {
    serve([]);

    const result = await invoke({ hour: '2026-11-20T03:00:00Z' });

    expect(result.events).toBe(0);
    expect(written()['timeseries/20261120/0300/kms-timeseries-20261120-0300.csv']).toBe(
      'EventTime,EventId,EventSource,EventName,ReadOnly,AccessKeyId,Username,Calls,Date\n',
    );
  });

  it('leaves out an event stamped exactly at the next hour, so no hour counts it twice', async () => {
    serve([
      ...kmsEvents('2026-11-20T14:00:00Z', 1).map((e) => ({
        ...e,
        EventTime: new Date('2026-11-20T14:00:00Z'),
      })),
      ...kmsEvents('2026-11-20T13:00:00Z', 3),
    ]);

    expect((await invoke({ hour: '2026-11-20T13:00:00Z' })).events).toBe(3);
  });

  it('counts an event without an EventTime in its answer instead of dropping it silently', async () => {
    const [timeless, ...rest] = kmsEvents('2026-11-20T13:00:00Z', 4);
    serve([{ ...timeless, EventTime: undefined }, ...rest]);

    const result = await invoke({ hour: '2026-11-20T13:00:00Z' });

    expect(result).toMatchObject({ events: 3, eventsWithoutTime: 1 });
  });

  it('collects a day in one paging, skipping the hours already in the bucket', async () => {
    jest.useFakeTimers({
      now: new Date('2026-11-22T13:05:00Z'),
      doNotFake: ['setTimeout', 'setImmediate', 'nextTick'],
    });
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'timeseries/20261119/2200/kms-timeseries-20261119-2200.csv' },
        { Key: 'timeseries/20261119/2300/kms-timeseries-20261119-2300.csv' },
        { Key: 'timeseries/20261119/2100/s3-timeseries-20261119-2100.csv' },
      ],
    });
    serve([...kmsEvents('2026-11-19T21:00:00Z', 4), ...kmsEvents('2026-11-19T20:00:00Z', 2)]);

    const result = await invoke({
      service: 'kms',
      day: '2026-11-19',
      hours: ['2026-11-19T20:00:00Z', '2026-11-19T21:00:00Z', '2026-11-19T22:00:00Z', '2026-11-19T23:00:00Z'],
    });

    expect(result).toEqual({
      service: 'kms',
      day: '2026-11-19',
      hoursWritten: 2,
      hoursMetered: 2,
      hoursSkipped: 2,
      events: 6,
      eventsWithoutTime: 0,
      pages: 1,
    });
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]?.args[0].input).toMatchObject({
      StartTime: new Date('2026-11-19T20:00:00Z'),
      EndTime: new Date('2026-11-19T22:00:00Z'),
    });
    expect(Object.keys(written()).filter((k) => k.startsWith('timeseries/'))).toEqual([
      'timeseries/20261119/2100/kms-timeseries-20261119-2100.csv',
      'timeseries/20261119/2000/kms-timeseries-20261119-2000.csv',
    ]);
  });

  it('writes a day older than two weeks but meters none of it, as CloudWatch would drop it', async () => {
    jest.useFakeTimers({
      now: new Date('2026-12-10T13:05:00Z'),
      doNotFake: ['setTimeout', 'setImmediate', 'nextTick'],
    });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    serve(kmsEvents('2026-11-19T21:00:00Z', 4));

    const result = await invoke({ service: 'kms', day: '2026-11-19', hours: ['2026-11-19T21:00:00Z'] });

    expect(result).toMatchObject({ hoursWritten: 1, hoursMetered: 0, events: 4 });
  });

  it('collects the last full hour of the stack service when asked nothing', async () => {
    jest.useFakeTimers({
      now: new Date('2026-11-22T13:05:00Z'),
      doNotFake: ['setTimeout', 'setImmediate', 'nextTick'],
    });
    serve([]);

    const result = await invoke({});

    expect(result.s3Uri).toBe(
      's3://loglake-test-rawbucket/timeseries/20261122/1200/kms-timeseries-20261122-1200.csv',
    );
  });

  it('rejects a malformed request by name before calling CloudTrail', async () => {
    await expect(invoke({ hour: 'yesterday' })).rejects.toMatchObject({ name: 'InvalidRequestError' });
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });
});
