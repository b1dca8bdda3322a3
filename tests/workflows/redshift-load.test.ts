import type { StatementStatusString, StatusString } from '@aws-sdk/client-redshift-data';
import { loadEvent } from '../../offline/fixtures';
import { runStateMachine } from '../../offline/harness';
import { ServiceStubs } from '../../offline/stubs';
import { trackStateCoverage } from '../support/state-coverage';

const MACHINE = 'RedshiftLoadStateMachine';
trackStateCoverage(MACHINE);

const input = loadEvent<Record<string, unknown>>('redshift-load', 'audit-parquet');
const DDL_ID = 'd9b1a7e0-0000-4000-8000-00000000dd01';
const LOAD_ID = 'd9b1a7e0-0000-4000-8000-00000000aa01';
const COLUMNS = [
  'event_id',
  'customer',
  'event_time',
  'event_date',
  'user_name',
  'action',
  'resource',
  'source_ip',
  'status',
];

/** The Data API as on a good day: DDL and load each run, then finish; the counts read back. */
function redshift(loadStatuses: StatusString[] = ['STARTED', 'FINISHED']): ServiceStubs {
  const stubs = new ServiceStubs();
  stubs.on('sns:publish').resolves({ MessageId: 'b2c3d4e5-0000-4000-8000-000000000000' });
  stubs.on('aws-sdk:cloudwatch:putMetricData').resolves({});
  stubs.on('aws-sdk:redshiftdata:batchExecuteStatement').callsFake((request) => ({
    Id: request.StatementName === 'loglake-ddl' ? DDL_ID : LOAD_ID,
    WorkgroupName: request.WorkgroupName,
    Database: request.Database,
  }));
  const statuses: Record<string, StatusString[]> = { [DDL_ID]: ['FINISHED'], [LOAD_ID]: [...loadStatuses] };
  stubs.on('aws-sdk:redshiftdata:describeStatement').callsFake(({ Id }) => {
    const queue = statuses[String(Id)] ?? [];
    const status = (queue.length > 1 ? queue.shift() : queue[0]) as StatusString;
    return {
      Id,
      Status: status,
      HasResultSet: status === 'FINISHED',
      SubStatements: Array.from({ length: Id === DDL_ID ? 5 : 6 }, (_, n) => ({
        Id: `${Id}:${n + 1}`,
        Status: status as StatementStatusString,
      })),
    };
  });
  stubs.on('aws-sdk:redshiftdata:describeTable').resolves({
    TableName: 'wau_audit_logs',
    ColumnList: COLUMNS.map((name) => ({ name, typeName: 'varchar' })),
  });
  stubs.on('aws-sdk:redshiftdata:getStatementResult').resolves({
    Records: [[{ longValue: 3 }, { longValue: 1 }, { longValue: 2 }, { longValue: 0 }]],
    TotalNumRows: 1,
  });
  return stubs;
}

const loadSqls = (stubs: ServiceStubs) =>
  stubs
    .calls('aws-sdk:redshiftdata:batchExecuteStatement')
    .filter((c) => c.input.StatementName !== 'loglake-ddl')
    .map((c) => c.input.Sqls ?? []);

describe('redshift load workflow', () => {
  it('ensures the tables, merges the files in one batch and reports the counts and statement ids', async () => {
    const stubs = redshift();

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      loadId: 'audit-2026-11-22T1300',
      table: 'audit.wau_audit_logs',
      source: input.source,
      rowsInBatch: 3,
      rowsUpdated: 1,
      rowsInserted: 2,
      rowsWithoutKey: 0,
      statementId: LOAD_ID,
      subStatements: [1, 2, 3, 4, 5, 6].map((n) => ({ Id: `${LOAD_ID}:${n}`, Status: 'FINISHED' })),
    });
    const [ddl] = stubs.calls('aws-sdk:redshiftdata:batchExecuteStatement');
    expect(ddl?.input.Sqls).toEqual(
      expect.arrayContaining([
        'CREATE SCHEMA IF NOT EXISTS loglake',
        expect.stringMatching(/^CREATE TABLE IF NOT EXISTS loglake.load_audit/),
      ]),
    );
    expect(ddl?.input).toMatchObject({ WorkgroupName: 'loglake-test-RedshiftWorkgroup', Database: 'dev' });
    expect(stubs.calls('aws-sdk:redshiftdata:describeTable')[0]?.input).toMatchObject({
      Schema: 'audit',
      Table: 'wau_audit_logs',
    });
    expect(stubs.calls('aws-sdk:redshiftdata:getStatementResult')[0]?.input).toEqual({ Id: `${LOAD_ID}:7` });
  });

  it('fails by name, and notifies how many, when rows had no merge key and were not loaded', async () => {
    const stubs = redshift();
    stubs.on('aws-sdk:redshiftdata:getStatementResult').resolves({
      Records: [[{ longValue: 3 }, { longValue: 0 }, { longValue: 3 }, { longValue: 2 }]],
      TotalNumRows: 1,
    });

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'RedshiftLoad.RowsWithoutMergeKey' });
    expect(run.cause).toContain('2 rows of');
    expect(run.cause).toContain('the other 3 rows were merged');
    expect(stubs.notices()[0]).toContain('RedshiftLoad.RowsWithoutMergeKey');
  });

  it('merges on the merge keys, so a re-run with the same input sends the same idempotent SQL', async () => {
    const first = redshift();
    const second = redshift();

    await runStateMachine(MACHINE, input, { stubs: first });
    await runStateMachine(MACHINE, input, { stubs: second });

    const [sqls] = loadSqls(first);
    expect(loadSqls(second)).toEqual([sqls]);
    expect(sqls?.[0]).toBe('LOCK TABLE audit.wau_audit_logs, loglake.load_audit');
    expect(sqls?.[1]).toBe('CREATE TEMP TABLE loglake_stage (LIKE audit.wau_audit_logs)');
    expect(sqls?.[2]).toMatch(
      /^COPY loglake_stage FROM 's3:\/\/.*\/processed\/audit\/batch=2026-11-22T1300\/' IAM_ROLE 'arn:aws:iam::123456789012:role\/loglake-test-RedshiftCopyRole' FORMAT AS PARQUET$/,
    );
    // One row per key, chosen by every column (not by file order), and no row without a key.
    expect(sqls?.[3]).toContain(
      `ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY ${COLUMNS.join(', ')}) AS loglake_rn FROM loglake_stage WHERE event_id IS NOT NULL`,
    );
    expect(sqls?.[5]).toBe(
      `MERGE INTO audit.wau_audit_logs USING loglake_batch AS s ON audit.wau_audit_logs.event_id = s.event_id WHEN MATCHED THEN UPDATE SET ${COLUMNS.slice(
        1,
      )
        .map((c) => `${c} = s.${c}`)
        .join(
          ', ',
        )} WHEN NOT MATCHED THEN INSERT (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `s.${c}`).join(', ')})`,
    );
  });

  it('backs off polling, doubling up to a minute, and gives up by name after the cap', async () => {
    const stubs = redshift(['STARTED']);

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.error).toBe('RedshiftLoad.Timeout');
    expect(run.cause).toBe(`Statement ${LOAD_ID} still STARTED after 40 polls`);
    expect(run.statesEntered).toContain('Cap poll interval');
    expect(stubs.calls('aws-sdk:redshiftdata:describeStatement').length).toBe(1 + 41);
    expect(stubs.notices()[0]).toContain('failed in "Run load" with RedshiftLoad.Timeout');
  });

  it('carries a FAILED statement’s SQL error into a named failure that notifies', async () => {
    const stubs = redshift(['FAILED']);
    stubs.on('aws-sdk:redshiftdata:describeStatement').callsFake(({ Id }) => ({
      Id,
      Status: Id === DDL_ID ? 'FINISHED' : 'FAILED',
      Error: Id === DDL_ID ? undefined : 'ERROR: Spectrum Scan Error. File has an invalid version number.',
    }));

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.error).toBe('RedshiftLoad.StatementFailed');
    expect(run.cause).toBe('ERROR: Spectrum Scan Error. File has an invalid version number.');
    expect(stubs.notices()[0]).toContain('Spectrum Scan Error');
  });

  it('fails by name when the statement is aborted', async () => {
    const run = await runStateMachine(MACHINE, input, { stubs: redshift(['ABORTED']) });

    expect(run.error).toBe('RedshiftLoad.Aborted');
  });

  it('retries a serialization conflict, then loads', async () => {
    const stubs = redshift();
    let loads = 0;
    stubs.on('aws-sdk:redshiftdata:describeStatement').callsFake(({ Id }) => {
      if (Id === DDL_ID) return { Id, Status: 'FINISHED' };
      loads++;
      return loads === 1
        ? {
            Id,
            Status: 'FAILED',
            Error:
              'ERROR: 1023 DETAIL: Serializable isolation violation on table - 151234, transactions forming the cycle are: 1001, 1002',
          }
        : { Id, Status: 'FINISHED', SubStatements: [] };
    });

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(loadSqls(stubs)).toHaveLength(2);
    expect(run.statesEntered).toEqual(
      expect.arrayContaining(['Is it a conflict?', 'Count conflict', 'Wait out conflict']),
    );
  });

  it('stops retrying conflicts after three and fails by name', async () => {
    const stubs = redshift();
    stubs
      .on('aws-sdk:redshiftdata:describeStatement')
      .callsFake(({ Id }) =>
        Id === DDL_ID
          ? { Id, Status: 'FINISHED' }
          : { Id, Status: 'FAILED', Error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table' },
      );

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.error).toBe('RedshiftLoad.StatementFailed');
    expect(loadSqls(stubs)).toHaveLength(4);
  });

  it.each([
    ['a table name with SQL in it', loadEvent('redshift-load', 'invalid-table'), 'must be schema.table'],
    ['an upper-case table name', { ...input, table: 'Audit.Logs' }, 'is not a plain lower-case identifier'],
    ['no merge keys', { ...input, mergeKeys: [] }, 'mergeKeys must be a non-empty list'],
    ['both source and manifest', { ...input, manifest: 's3://b/m.manifest' }, 'exactly one of source'],
    ['an unknown format', { ...input, format: 'JSON' }, 'must be PARQUET or CSV'],
    [
      'a schema outside RedshiftLoadSchemas',
      { ...input, table: 'pg_catalog_copy.users' },
      'schema pg_catalog_copy is not one the workflow may load into (RedshiftLoadSchemas: audit)',
    ],
  ])('rejects %s by name before any SQL runs', async (_name, request, message) => {
    const stubs = redshift();

    const run = await runStateMachine(MACHINE, request, { stubs });

    expect(run.error).toBe('RedshiftLoad.InvalidInput');
    expect(run.cause).toContain(message);
    expect(stubs.calls('aws-sdk:redshiftdata:batchExecuteStatement')).toEqual([]);
  });

  it('rejects merge keys that are not columns of the target', async () => {
    const stubs = redshift();

    const run = await runStateMachine(MACHINE, { ...input, mergeKeys: ['request_id'] }, { stubs });

    expect(run.error).toBe('RedshiftLoad.InvalidInput');
    expect(run.statesEntered).toContain('Build load statements');
  });

  it('retries Data API throttling, and fails by name when it persists', async () => {
    const retried = redshift();
    retried
      .onState('Run load', 'aws-sdk:redshiftdata:batchExecuteStatement')
      .rejectsOnce('ActiveStatementsExceededException', 'Active statements exceeded');

    expect((await runStateMachine(MACHINE, input, { stubs: retried })).status).toBe('SUCCEEDED');

    const exhausted = redshift();
    exhausted
      .onState('Run load', 'aws-sdk:redshiftdata:batchExecuteStatement')
      .rejects('ActiveStatementsExceededException', 'Active statements exceeded');
    const run = await runStateMachine(MACHINE, input, { stubs: exhausted });
    expect(run.retries.filter((r) => r.state === 'Run load')).toHaveLength(6);
    expect(run.statesEntered).toContain('Load failed');
  });

  it.each([
    ['Prepare load', 'Preparation failed'],
    ['Ensure tables', 'Tables failed'],
    ['Check statement', 'Polling failed'],
    ['Describe target table', 'Describe failed'],
    ['Build load statements', 'Build failed'],
    ['Read load counts', 'Counts failed'],
  ])('notifies and fails by name when "%s" fails', async (state, failurePath) => {
    const stubs = redshift();
    if (state === 'Prepare load' || state === 'Build load statements') {
      stubs.onState(state, 'lambda:invoke').rejects('TooManyRequestsException', 'Rate exceeded');
    } else {
      stubs
        .onState(state, 'aws-sdk:redshiftdata:describeStatement')
        .rejects('ValidationException', `${state} refused`);
    }

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.error).toBe('RedshiftLoad.Failed');
    expect(run.statesEntered).toContain(failurePath);
    expect(stubs.notices()).toHaveLength(1);
  });

  it('still fails by name when the failure notification cannot be sent', async () => {
    const stubs = redshift(['ABORTED']);
    stubs.on('sns:publish').rejects('SNS.AuthorizationErrorException', 'not authorized');

    const run = await runStateMachine(MACHINE, input, { stubs });

    expect(run.error).toBe('RedshiftLoad.Aborted');
  });

  it('records the rows loaded as a metric, and still succeeds when the metric cannot be written', async () => {
    const recorded = redshift();
    await runStateMachine(MACHINE, input, { stubs: recorded });
    const failing = redshift();
    failing.on('aws-sdk:cloudwatch:putMetricData').rejects('CloudWatch.CloudWatchException', 'Rate exceeded');

    const run = await runStateMachine(MACHINE, input, { stubs: failing });

    expect(recorded.calls('aws-sdk:cloudwatch:putMetricData')[0]?.input).toEqual({
      Namespace: 'LogLake',
      MetricData: [
        {
          MetricName: 'RowsLoaded',
          Unit: 'Count',
          Value: 3,
          Dimensions: [
            { Name: 'service', Value: 'loglake' },
            { Name: 'Pipeline', Value: 'redshift-load' },
          ],
        },
      ],
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ rowsInBatch: 3 });
  });
});
