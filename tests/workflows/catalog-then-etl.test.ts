import type { CrawlerState, LastCrawlStatus } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { fingerprint } from '../../functions/catalog-then-etl/scan';
import { loadEvent } from '../../offline/fixtures';
import { runStateMachine } from '../../offline/harness';
import { ServiceStubs } from '../../offline/stubs';
import { LocalDynamoDb } from '../../tools/local/dynamodb';
import { firstAnswerLost } from '../support/faults';
import { trackStateCoverage } from '../support/state-coverage';

const MACHINE = 'CatalogThenEtlStateMachine';
trackStateCoverage(MACHINE);

const scheduled = loadEvent('catalog-then-etl', 'scheduled');
const manual = loadEvent('catalog-then-etl', 'manual-range');
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:test:00000000-0000-4000-8000-000000000000';
const KEY = { workflow: { S: 'catalog-then-etl' } };
const JOB_RUN = 'jr_0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2';
const RESULTS = 's3://loglake-test-athenaresultsbucket/reports';
const s3 = mockClient(S3Client);

/** The key of a raw object of an hour, as rawZone lists it. */
const rawKey = (hour: string, i: number) =>
  `clickstream/year=${hour.slice(0, 4)}/month=${hour.slice(5, 7)}/day=${hour.slice(8, 10)}/hour=${hour.slice(11, 13)}/loglake-clickstream-${i}.gz`;
/**
 * What an earlier run recorded: hour 12 converted as it is now, hour 13 when it held only its
 * first object (its second, LastModified 14:04, arrived after).
 */
const RECORDED = {
  M: {
    '2026-11-22T12': { S: fingerprint([rawKey('2026-11-22T12', 0)]) },
    '2026-11-22T13': { S: fingerprint([rawKey('2026-11-22T13', 0)]) },
  },
};

/** Raw objects by request hour (`YYYY-MM-DDTHH`), with their LastModified. */
function rawZone(objects: Record<string, string[]>) {
  s3.reset();
  s3.on(ListObjectsV2Command).callsFake(({ Prefix }) => {
    const match = /year=(\d+)\/month=(\d+)\/day=(\d+)\/hour=(\d+)\//.exec(String(Prefix));
    const hour = match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}` : '';
    return {
      Contents: (objects[hour] ?? []).map((time, i) => ({
        Key: `${Prefix}loglake-clickstream-${i}.gz`,
        LastModified: new Date(time),
      })),
    };
  });
}

const crawler = (
  State: CrawlerState,
  Status?: LastCrawlStatus,
  StartTime = new Date(),
  ErrorMessage?: string,
) => ({
  Crawler: {
    Name: 'loglake-test-ClickstreamRawCrawler',
    State,
    ...(Status ? { LastCrawl: { Status, StartTime, ErrorMessage, LogGroup: '/aws-glue/crawlers' } } : {}),
  },
});

const headerRow = [
  'period',
  'requests',
  'status_2xx',
  'status_3xx',
  'status_4xx',
  'status_5xx',
  'page_views',
  'sign_ups',
  'sign_ins',
  'distinct_users',
];
const row = (values: (string | number)[]) => ({ Data: values.map((v) => ({ VarCharValue: String(v) })) });

/** A good day: the lock is free, the crawl runs once then succeeds, the job and queries succeed. */
function goodDay(): ServiceStubs {
  rawZone({
    '2026-11-22T12': ['2026-11-22T13:05:00Z'],
    '2026-11-22T13': ['2026-11-22T13:20:00Z', '2026-11-22T14:04:00Z'],
    '2026-11-22T14': ['2026-11-22T14:09:30Z'],
  });
  const stubs = new ServiceStubs();
  stubs
    .on('dynamodb:updateItem')
    .callsFake((input) =>
      input.ReturnValues === 'ALL_NEW'
        ? { Attributes: { ...KEY, runStatus: { S: 'RUNNING' }, converted: RECORDED } }
        : {},
    );
  stubs.on('aws-sdk:glue:startCrawler').resolves({});
  stubs
    .onState('Check crawler', 'aws-sdk:glue:getCrawler')
    .resolvesOnce(crawler('RUNNING', 'SUCCEEDED', new Date('2026-11-21T00:00:00Z')));
  stubs
    .on('aws-sdk:glue:getCrawler')
    .callsFake(() => crawler('READY', 'SUCCEEDED', new Date(Date.now() + 1000)));
  stubs.on('glue:startJobRun.sync').resolves({ Id: JOB_RUN, JobRunState: 'SUCCEEDED', ExecutionTime: 212 });
  stubs.on('athena:startQueryExecution.sync').callsFake((input) => {
    const id = input.QueryString?.includes('GROUPING SETS') ? 'summary-0001' : 'paths-0001';
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Status: { State: 'SUCCEEDED' },
        ResultConfiguration: { OutputLocation: `${RESULTS}/${id}.csv` },
      },
    };
  });
  stubs.on('athena:getQueryResults').resolves({
    ResultSet: { Rows: [row(headerRow), row(['total', 1840, 1700, 60, 62, 18, 1203, 7, 31, 44])] },
  });
  stubs.on('sns:publish').resolves({ MessageId: 'c3d4e5f6-0000-4000-8000-000000000000' });
  return stubs;
}

const lockUpdates = (stubs: ServiceStubs) => stubs.calls('dynamodb:updateItem').map((c) => c.input);

describe('catalog-then-ETL workflow', () => {
  it('converts the hours holding objects no run converted, reports them and records them', async () => {
    const stubs = goodDay();

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    const [lock, advance] = lockUpdates(stubs);
    expect(lock).toMatchObject({
      TableName: 'loglake-test-CatalogEtlStateTable',
      Key: KEY,
      UpdateExpression: 'SET runStatus = :running, executionArn = :me, leaseUntil = :lease',
      ConditionExpression:
        'attribute_not_exists(runStatus) OR runStatus <> :running OR leaseUntil < :now OR executionArn = :me',
      ReturnValues: 'ALL_NEW',
    });
    // The 48 hours up to the scheduled one were listed.
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toHaveLength(48);
    expect(prefixes).toContain('clickstream/year=2026/month=11/day=22/hour=14/');
    expect(prefixes).toContain('clickstream/year=2026/month=11/day=20/hour=15/');
    expect(stubs.calls('aws-sdk:glue:startCrawler')[0]?.input).toEqual({
      Name: 'loglake-test-ClickstreamRawCrawler',
    });
    expect(stubs.calls('aws-sdk:glue:getCrawler')).toHaveLength(2);
    expect(stubs.calls('glue:startJobRun.sync')[0]?.input).toEqual({
      JobName: 'loglake-test-ClickstreamToParquetJob',
      JobRunQueuingEnabled: true,
      Arguments: {
        // Hour 12 holds what was converted; hour 13 got an object since, hour 14 is new.
        '--hours': '2026-11-22T13,2026-11-22T14',
        '--write_mode': 'overwrite',
        '--job-bookmark-option': 'job-bookmark-disable',
      },
    });
    const queries = stubs.calls('athena:startQueryExecution.sync').map((c) => c.input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      WorkGroup: 'loglake-test-ReportWorkGroup',
      QueryExecutionContext: { Database: 'loglake-test-ClickstreamGlueDatabase' },
      ExecutionParameters: [
        "'/wp-login.php?action=register'",
        "'/wp-login.php'",
        "'/wp-login.php?action=register'",
        "'2026-11-22'",
        "'2026-11-22'",
        "'2026-11-2213'",
        "'2026-11-2214'",
      ],
    });
    expect(queries[0]?.QueryString).toMatch(/^-- Clickstream report/);
    expect(queries[1]?.ExecutionParameters).toEqual([
      "'2026-11-22'",
      "'2026-11-22'",
      "'2026-11-2213'",
      "'2026-11-2214'",
    ]);
    expect(stubs.calls('athena:getQueryResults')[0]?.input).toEqual({
      QueryExecutionId: 'summary-0001',
      MaxResults: 2,
    });
    expect(advance).toEqual({
      TableName: 'loglake-test-CatalogEtlStateTable',
      Key: KEY,
      UpdateExpression:
        'SET runStatus = :idle, converted = :converted, lastSuccess = :me REMOVE highWaterMark',
      ConditionExpression: 'executionArn = :me',
      ExpressionAttributeValues: {
        ':idle': { S: 'IDLE' },
        ':converted': {
          M: {
            '2026-11-22T12': RECORDED.M['2026-11-22T12'],
            '2026-11-22T13': { S: fingerprint([rawKey('2026-11-22T13', 0), rawKey('2026-11-22T13', 1)]) },
            '2026-11-22T14': { S: fingerprint([rawKey('2026-11-22T14', 0)]) },
          },
        },
        ':me': { S: EXECUTION },
      },
    });
    expect(stubs.notices()).toEqual([
      `loglake: clickstream report ready\nClickstream report (scheduled run, 2 hours from 2026-11-22T13): 1840 requests, 18 5xx, 1203 page views, 7 sign-ups, 31 sign-ins, 44 distinct users. Hourly summary: ${RESULTS}/summary-0001.csv Top paths: ${RESULTS}/paths-0001.csv Glue run ${JOB_RUN}. 1 of the hours had objects that arrived after the hour was converted (converted again). Execution ${EXECUTION}`,
    ]);
    expect(run.output).toEqual({
      outcome: 'Reported',
      mode: 'scheduled',
      hours: ['2026-11-22T13', '2026-11-22T14'],
      glueJobRunId: JOB_RUN,
      headline: {
        requests: '1840',
        status5xx: '18',
        pageViews: '1203',
        signUps: '7',
        signIns: '31',
        distinctUsers: '44',
      },
      hourlySummary: `${RESULTS}/summary-0001.csv`,
      topPaths: `${RESULTS}/paths-0001.csv`,
      lateHours: ['2026-11-22T13'],
    });
  });

  it('reprocesses every hour of a manual range whole, with bookmarks off', async () => {
    const stubs = goodDay();
    rawZone({ '2026-11-21T00': ['2026-11-21T00:06:00Z'], '2026-11-21T23': ['2026-11-21T23:59:00Z'] });

    const run = await runStateMachine(MACHINE, manual, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(24);
    expect(stubs.calls('glue:startJobRun.sync')[0]?.input.Arguments).toEqual({
      '--hours': '2026-11-21T00,2026-11-21T23',
      '--write_mode': 'overwrite',
      '--job-bookmark-option': 'job-bookmark-disable',
    });
    expect(lockUpdates(stubs)[1]?.UpdateExpression).toContain('converted = :converted');
  });

  it('ends as a no-op success, releasing the lock, when every hour holds what a run converted', async () => {
    const stubs = goodDay();
    rawZone({ '2026-11-22T12': ['2026-11-22T13:05:00Z'], '2026-11-22T13': ['2026-11-22T13:20:00Z'] });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.output).toEqual({ outcome: 'NothingNew', mode: 'scheduled', hoursChecked: 48 });
    expect(lockUpdates(stubs)[1]).toMatchObject({
      UpdateExpression: 'SET runStatus = :idle',
      ConditionExpression: 'executionArn = :me',
    });
    expect(stubs.calls('aws-sdk:glue:startCrawler')).toEqual([]);
    expect(stubs.notices()).toEqual([]);
  });

  it('ends as a no-op success when another run holds the lock', async () => {
    const stubs = goodDay();
    stubs.onState('Take run lock', 'dynamodb:updateItem').rejectsOnce('ConditionalCheckFailedException');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.output).toEqual({ outcome: 'AlreadyRunning', mode: 'scheduled' });
    expect(s3.commandCalls(ListObjectsV2Command)).toEqual([]);
    expect(lockUpdates(stubs)).toHaveLength(1);
  });

  it('follows a crawl that is already running instead of failing', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:glue:startCrawler')
      .rejects(
        'CrawlerRunningException',
        'Crawler with name loglake-test-ClickstreamRawCrawler has already started',
      );
    // That crawl started before this run; it still counts once it ends.
    stubs
      .on('aws-sdk:glue:getCrawler')
      .resolves(crawler('READY', 'SUCCEEDED', new Date('2026-11-22T00:00:00Z')));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toContain('Follow running crawl');
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  it('keeps polling while the last crawl is one from before this run', async () => {
    const stubs = goodDay();
    stubs
      .onState('Check crawler', 'aws-sdk:glue:getCrawler')
      .resolvesOnce(crawler('READY', 'SUCCEEDED', new Date('2026-11-21T00:00:00Z')))
      .resolvesOnce(crawler('RUNNING', 'SUCCEEDED', new Date('2026-11-21T00:00:00Z')));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    // RUNNING, READY with the old crawl, RUNNING, READY with this run's crawl.
    expect(stubs.calls('aws-sdk:glue:getCrawler')).toHaveLength(4);
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  it.each([
    ['FAILED', 'CatalogThenEtl.CrawlerFailed', 'Internal Service Exception'],
    ['CANCELLED', 'CatalogThenEtl.CrawlerCancelled', '"Status":"CANCELLED"'],
  ] as const)(
    'fails by name when the crawl ends %s, releasing the lock and keeping the mark',
    async (status, error, cause) => {
      const stubs = goodDay();
      stubs
        .on('aws-sdk:glue:getCrawler')
        .callsFake(() =>
          crawler(
            'READY',
            status,
            new Date(Date.now() + 1000),
            status === 'FAILED' ? 'Internal Service Exception' : undefined,
          ),
        );

      const run = await runStateMachine(MACHINE, scheduled, { stubs });

      expect(run).toMatchObject({ status: 'FAILED', error });
      expect(run.cause).toContain(cause);
      const release = lockUpdates(stubs)[1];
      expect(release).toMatchObject({
        UpdateExpression: 'SET runStatus = :failed, lastFailure = :me',
        ConditionExpression: 'executionArn = :me',
      });
      expect(lockUpdates(stubs).some((u) => u.UpdateExpression?.includes('converted'))).toBe(false);
      expect(stubs.notices()[0]).toContain('failed in "Check crawler"');
      expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
    },
  );

  it('gives up with a named timeout after 30 polls, backing off to 5 minutes apart', async () => {
    const stubs = goodDay();
    stubs.on('aws-sdk:glue:getCrawler').resolves(crawler('RUNNING'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.CrawlerTimeout' });
    expect(run.cause).toBe('The crawler was still running after 30 polls (state RUNNING).');
    expect(stubs.calls('aws-sdk:glue:getCrawler')).toHaveLength(30);
    const intervals = run.events.flatMap((e) =>
      e.type === 'StateExited' && e.state.name === 'Check crawler'
        ? [(e.state.output as { crawl: { interval: number } }).crawl.interval]
        : [],
    );
    expect(intervals.slice(0, 5)).toEqual([30, 60, 120, 240, 300]);
    expect(Math.max(...intervals)).toBe(300);
  });

  it('fails by name when the Glue job fails, keeping the mark for the next run', async () => {
    const stubs = goodDay();
    stubs
      .on('glue:startJobRun.sync')
      .rejects(
        'States.TaskFailed',
        JSON.stringify({ JobRunState: 'FAILED', ErrorMessage: 'AnalysisException' }),
      );

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.GlueJobFailed' });
    expect(stubs.notices()[0]).toContain('AnalysisException');
    expect(lockUpdates(stubs).map((u) => u.UpdateExpression)).toEqual([
      'SET runStatus = :running, executionArn = :me, leaseUntil = :lease',
      'SET runStatus = :failed, lastFailure = :me',
    ]);
  });

  it('fails by name when an Athena query fails', async () => {
    const stubs = goodDay();
    stubs.on('athena:startQueryExecution.sync').rejects(
      'States.TaskFailed',
      JSON.stringify({
        QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'COLUMN_NOT_FOUND: line 3:8' } },
      }),
    );

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.ReportFailed' });
    expect(stubs.notices()[0]).toContain('COLUMN_NOT_FOUND');
  });

  it('rejects a range it cannot run by name, without taking the lock', async () => {
    const stubs = goodDay();

    const run = await runStateMachine(MACHINE, { from: '2026-11-21T23', to: '2026-11-21T00' }, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.InvalidRequest' });
    expect(run.cause).toContain('to 2026-11-21T00 is before from 2026-11-21T23');
    expect(lockUpdates(stubs)).toEqual([]);
    expect(stubs.notices()).toHaveLength(1);
  });

  it('fails by name when the planner cannot be invoked', async () => {
    const stubs = goodDay();
    stubs.onState('Plan run', 'lambda:invoke').rejects('TooManyRequestsException', 'Rate exceeded');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.PlanFailed' });
    expect(lockUpdates(stubs)).toEqual([]);
  });

  it('fails by name when the lock cannot be taken, releasing nothing', async () => {
    const stubs = goodDay();
    stubs
      .onState('Take run lock', 'dynamodb:updateItem')
      .rejects('DynamoDB.ResourceNotFoundException', 'Requested resource not found');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.LockFailed' });
    expect(lockUpdates(stubs)).toHaveLength(1);
  });

  it('fails by name when the raw zone cannot be listed, releasing the lock', async () => {
    const stubs = goodDay();
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.ScanFailed' });
    expect(lockUpdates(stubs)[1]?.UpdateExpression).toBe('SET runStatus = :failed, lastFailure = :me');
  });

  it('fails by name when the lock cannot be released after a run with nothing new', async () => {
    const stubs = goodDay();
    rawZone({});
    stubs
      .onState('Release lock, nothing new', 'dynamodb:updateItem')
      .rejects('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.LockReleaseFailed' });
  });

  it.each([
    ['Start crawler', 'aws-sdk:glue:startCrawler'],
    ['Check crawler', 'aws-sdk:glue:getCrawler'],
  ] as const)('fails by name when "%s" fails', async (state, key) => {
    const stubs = goodDay();
    stubs
      .onState(state, key)
      .rejects(
        'EntityNotFoundException',
        'Crawler entry with name loglake-test-ClickstreamRawCrawler does not exist',
      );

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.CrawlerFailed' });
    expect(stubs.notices()[0]).toContain(`failed in "${state}"`);
  });

  it('fails by name when the converted hours cannot be recorded, and still notifies when releasing fails too', async () => {
    const stubs = goodDay();
    stubs.on('dynamodb:updateItem').callsFake((input) => {
      if (input.ReturnValues === 'ALL_NEW') return { Attributes: { ...KEY, converted: RECORDED } };
      throw Object.assign(new Error('Requested resource not found'), {
        name: 'DynamoDB.ResourceNotFoundException',
      });
    });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.RecordFailed' });
    expect(run.statesEntered).toEqual(
      expect.arrayContaining(['Record converted hours', 'Release lock after failure', 'Notify failure']),
    );
    expect(stubs.notices()).toHaveLength(1);
  });

  it('fails by name when only the success notice is lost', async () => {
    const stubs = goodDay();
    stubs
      .onState('Notify success', 'sns:publish')
      .rejects('SNS.AuthorizationErrorException', 'Not authorized');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CatalogThenEtl.NotifyFailed' });
    expect(lockUpdates(stubs)[1]?.UpdateExpression).toContain('converted = :converted');
  });

  it('never misses an object that lands in an hour already converted, whatever its LastModified', async () => {
    const stubs = goodDay();
    const dynamo = LocalDynamoDb.ofTemplate();
    dynamo.serve(stubs);
    rawZone({ '2026-11-22T13': ['2026-11-22T13:20:00Z'] });
    const first = await runStateMachine(MACHINE, scheduled, { stubs });
    // An upload that began at 13:10 became visible after the first run listed hour 13: its
    // LastModified is older than the object that run saw.
    rawZone({ '2026-11-22T13': ['2026-11-22T13:20:00Z', '2026-11-22T13:10:00Z'] });

    const second = await runStateMachine(MACHINE, scheduled, { stubs });
    const third = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(first.output).toMatchObject({ outcome: 'Reported', hours: ['2026-11-22T13'], lateHours: [] });
    expect(second.output).toMatchObject({
      outcome: 'Reported',
      hours: ['2026-11-22T13'],
      lateHours: ['2026-11-22T13'],
    });
    expect(third.output).toMatchObject({ outcome: 'NothingNew' });
    expect(stubs.calls('glue:startJobRun.sync').map((c) => c.input.Arguments?.['--hours'])).toEqual([
      '2026-11-22T13',
      '2026-11-22T13',
    ]);
  });

  it('keeps its own lock when taking it is retried after the first answer was lost', async () => {
    const stubs = goodDay();
    const dynamo = LocalDynamoDb.ofTemplate();
    dynamo.putItem({
      TableName: 'loglake-test-CatalogEtlStateTable',
      Item: { ...KEY, converted: RECORDED },
    });
    stubs
      .onState('Take run lock', 'dynamodb:updateItem')
      .callsFake(firstAnswerLost('dynamodb:updateItem', (input) => dynamo.updateItem(input)));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toContainEqual({ state: 'Take run lock', attempt: 1 });
    expect(run.statesEntered).not.toContain('Run already in progress');
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });
});
