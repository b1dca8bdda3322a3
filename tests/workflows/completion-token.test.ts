import { aggregateBatch } from '../../functions/audit-log-aggregator/aggregate';
import { parseAggregationRequest } from '../../functions/audit-log-aggregator/request';
import { loadEvent } from '../../offline/fixtures';
import { runDefinition, runStateMachine } from '../../offline/harness';
import { loadDefinition } from '../../offline/state-machines';
import { ServiceStubs } from '../../offline/stubs';
import { loadTemplate } from '../../offline/template';
import { LocalDynamoDb } from '../../tools/local/dynamodb';
import { firstAnswerLost } from '../support/faults';
import { MemoryStore } from '../support/memory-store';
import { trackStateCoverage } from '../support/state-coverage';

const MACHINE = 'CompletionTokenStateMachine';
trackStateCoverage(MACHINE);

const event = loadEvent<{ detail: { bucket: { name: string }; object: { key: string; etag: string } } }>(
  'completion-token',
  'token-created',
);
const reclaimEvent = loadEvent<Record<string, unknown>>('completion-token', 'reclaim-failed');
const BUCKET = event.detail.bucket.name;
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:test:00000000-0000-4000-8000-000000000000';
const JOB_RUN = 'jr_4f1d2c3b4a5968778695a4b3c2d1e0f4f1d2c3b4a5968778695a4b3c2d1e0f0';
const LOAD_EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:loglake-dev-redshift-load:7d3e';
const CLAIM_KEY = { tokenKey: { S: event.detail.object.key }, etag: { S: event.detail.object.etag } };

/** The token the aggregator really writes for the manual batch fixture. */
async function aggregatorToken(sources?: Record<string, string>): Promise<string> {
  const { files } = loadEvent<{ files: Record<string, string> }>('audit-log-aggregator', 'source-files');
  const store = new MemoryStore(sources ?? files);
  const request = parseAggregationRequest(loadEvent('audit-log-aggregator', 'manual-batch'));
  await aggregateBatch(request, store, { bucket: BUCKET, concurrency: 2 });
  return store.written.get('complete/2026-11-22T1300.token') as string;
}

/** A first token on a good day: the claim is new, the job and the load succeed. */
async function goodDay(token?: string): Promise<ServiceStubs> {
  const stubs = new ServiceStubs();
  stubs.on('dynamodb:putItem').resolves({});
  stubs.on('dynamodb:updateItem').resolves({});
  stubs
    .on('aws-sdk:s3:getObject')
    .resolves({ Body: token ?? (await aggregatorToken()), ContentType: 'application/json' });
  stubs.on('glue:startJobRun.sync').resolves({
    Id: JOB_RUN,
    JobName: 'loglake-test-AuditCsvToParquetJob',
    JobRunState: 'SUCCEEDED',
    ExecutionTime: 94,
  });
  stubs.on('states:startExecution.sync:2').resolves({
    ExecutionArn: LOAD_EXECUTION,
    StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:loglake-dev-redshift-load',
    Status: 'SUCCEEDED',
    StartDate: new Date('2026-11-22T13:45:00Z'),
    Output: { loadId: 'audit-2026-11-22T1300', rowsInBatch: 6, rowsUpdated: 0, rowsInserted: 6 },
  });
  stubs.on('sns:publish').resolves({ MessageId: 'b2c3d4e5-0000-4000-8000-000000000000' });
  return stubs;
}

/** The claim exists already: the put fails its condition and the read returns it. */
const EARLIER = 'arn:aws:states:eu-west-1:123456789012:execution:test:earlier';

/** The holder of a claim, as DescribeExecution describes it. */
const holder = (status: 'RUNNING' | 'FAILED') => ({
  executionArn: EARLIER,
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:loglake-dev-completion-token',
  status,
  startDate: new Date('2026-11-22T13:00:00Z'),
});

function claimed(stubs: ServiceStubs, status: 'RUNNING' | 'DONE' | 'FAILED', by = EARLIER) {
  stubs.on('dynamodb:putItem').rejects('ConditionalCheckFailedException', 'The conditional request failed');
  stubs
    .on('dynamodb:getItem')
    .resolves({ Item: { ...CLAIM_KEY, status: { S: status }, executionArn: { S: by } } });
  return stubs;
}

const updates = (stubs: ServiceStubs) => stubs.calls('dynamodb:updateItem').map((c) => c.input);
const recordsGlueRun = (update: { UpdateExpression?: string }) =>
  update.UpdateExpression?.startsWith('SET glueJobRunId') === true;
/** The claim's status writes (take-over, DONE, FAILED), without the Glue run it records on the way. */
const claimUpdates = (stubs: ServiceStubs) => updates(stubs).filter((u) => !recordsGlueRun(u));
const glueRunRecords = (stubs: ServiceStubs) => updates(stubs).filter(recordsGlueRun);

describe('completion-token workflow', () => {
  it('claims a first token, runs the Glue job once for its batch, loads Redshift, marks the claim DONE and notifies', async () => {
    const stubs = await goodDay();

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    const outcome = {
      batchId: '2026-11-22T1300',
      csvRows: 6,
      glueJobRunId: JOB_RUN,
      glueSeconds: 94,
      redshiftExecutionArn: LOAD_EXECUTION,
      rowsInBatch: 6,
      rowsInserted: 6,
      rowsUpdated: 0,
    };
    expect(run.output).toEqual(outcome);
    expect(stubs.calls('dynamodb:putItem')[0]?.input).toEqual({
      TableName: 'loglake-test-AuditTokenClaimsTable',
      Item: {
        ...CLAIM_KEY,
        status: { S: 'RUNNING' },
        executionArn: { S: EXECUTION },
        claimedAt: { S: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        attempts: { N: '1' },
      },
      ConditionExpression: 'attribute_not_exists(tokenKey) OR executionArn = :me',
      ExpressionAttributeValues: {
        ':me': {
          S: 'arn:aws:states:eu-west-1:123456789012:execution:test:00000000-0000-4000-8000-000000000000',
        },
      },
    });
    expect(stubs.calls('aws-sdk:s3:getObject')[0]?.input).toEqual({
      Bucket: BUCKET,
      Key: 'complete/2026-11-22T1300.token',
    });
    expect(stubs.calls('glue:startJobRun.sync').map((c) => c.input)).toEqual([
      {
        JobName: 'loglake-test-AuditCsvToParquetJob',
        JobRunQueuingEnabled: true,
        Arguments: {
          '--batch_id': '2026-11-22T1300',
          '--manifest_uri': `s3://${BUCKET}/manifests/2026-11-22T1300.json`,
        },
      },
    ]);
    expect(stubs.calls('states:startExecution.sync:2')[0]?.input).toEqual({
      StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:loglake-dev-redshift-load',
      Input: {
        table: 'audit.wau_audit_logs',
        source: 's3://loglake-test-rawbucket/processed/audit/batch=2026-11-22T1300/',
        format: 'PARQUET',
        mergeKeys: ['event_id'],
        loadId: 'audit-2026-11-22T1300',
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: EXECUTION,
      },
    });
    expect(claimUpdates(stubs)).toEqual([
      {
        TableName: 'loglake-test-AuditTokenClaimsTable',
        Key: CLAIM_KEY,
        UpdateExpression: 'SET #status = :done, outcome = :outcome',
        ConditionExpression: 'executionArn = :me',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':done': { S: 'DONE' },
          ':outcome': { S: JSON.stringify(outcome) },
          ':me': { S: EXECUTION },
        },
      },
    ]);
    expect(glueRunRecords(stubs)).toEqual([
      {
        TableName: 'loglake-test-AuditTokenClaimsTable',
        Key: CLAIM_KEY,
        UpdateExpression: 'SET glueJobRunId = :run, glueSeconds = :seconds',
        ConditionExpression: 'executionArn = :me',
        ExpressionAttributeValues: {
          ':run': { S: JOB_RUN },
          ':seconds': { N: '94' },
          ':me': { S: EXECUTION },
        },
      },
    ]);
    expect(stubs.notices()).toEqual([
      expect.stringMatching(
        /^loglake: audit batch loaded\nAudit batch 2026-11-22T1300 done: .*"rowsInserted":6/,
      ),
    ]);
  });

  it('ends a duplicate token event quietly: no second Glue run, no load, no notice', async () => {
    const stubs = claimed(await goodDay(), 'DONE');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      outcome: 'AlreadyClaimed',
      tokenKey: 'complete/2026-11-22T1300.token',
      etag: event.detail.object.etag,
      claimStatus: 'DONE',
      claimedBy: 'arn:aws:states:eu-west-1:123456789012:execution:test:earlier',
    });
    expect(stubs.calls('dynamodb:getItem')[0]?.input).toEqual({
      TableName: 'loglake-test-AuditTokenClaimsTable',
      Key: CLAIM_KEY,
      ConsistentRead: true,
    });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
    expect(stubs.calls('states:startExecution.sync:2')).toEqual([]);
    expect(claimUpdates(stubs)).toEqual([]);
    expect(stubs.notices()).toEqual([]);
  });

  it('goes on with its own claim when the claim is retried after its first answer was lost', async () => {
    const stubs = await goodDay();
    const dynamo = LocalDynamoDb.ofTemplate();
    stubs
      .on('dynamodb:putItem')
      .callsFake(firstAnswerLost('dynamodb:putItem', (input) => dynamo.putItem(input)));

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toContainEqual({ state: 'Claim token', attempt: 1 });
    expect(run.output).not.toMatchObject({ outcome: 'AlreadyClaimed' });
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  it('goes on with its re-claim when the take-over is retried after its first answer was lost', async () => {
    const stubs = claimed(await goodDay(), 'FAILED');
    const dynamo = LocalDynamoDb.ofTemplate();
    dynamo.putItem({
      TableName: 'loglake-test-AuditTokenClaimsTable',
      Item: { ...CLAIM_KEY, status: { S: 'FAILED' }, executionArn: { S: EARLIER }, attempts: { N: '1' } },
    });
    stubs
      .onState('Re-claim failed token', 'dynamodb:updateItem')
      .callsFake(firstAnswerLost('dynamodb:updateItem', (input) => dynamo.updateItem(input)));

    const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toContainEqual({ state: 'Re-claim failed token', attempt: 1 });
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  it('does not start a second run for a token whose claim is still RUNNING, even when asked to reclaim', async () => {
    const stubs = claimed(await goodDay(), 'RUNNING');
    stubs.on('aws-sdk:sfn:describeExecution').resolves(holder('RUNNING'));

    const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

    expect(run.output).toMatchObject({ outcome: 'AlreadyClaimed', claimStatus: 'RUNNING' });
    expect(stubs.calls('aws-sdk:sfn:describeExecution')[0]?.input).toEqual({ ExecutionArn: EARLIER });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it.each([
    ['ended without recording its failure', () => holder('FAILED')],
    ['is no longer known', undefined],
  ])(
    'takes over, on a reclaim, a RUNNING claim whose execution %s, then runs the batch',
    async (_case, answer) => {
      const stubs = claimed(await goodDay(), 'RUNNING');
      if (answer) stubs.on('aws-sdk:sfn:describeExecution').resolves(answer());
      else
        stubs
          .on('aws-sdk:sfn:describeExecution')
          .rejects('ExecutionDoesNotExist', `Execution Does Not Exist: '${EARLIER}'`);

      const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).not.toMatchObject({ outcome: 'AlreadyClaimed' });
      const takeOver = claimUpdates(stubs)[0];
      expect(takeOver).toMatchObject({
        ConditionExpression: 'executionArn = :holder OR executionArn = :me',
        ExpressionAttributeValues: { ':holder': { S: EARLIER } },
      });
      expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
    },
  );

  it('queues behind a Glue run already going through job run queuing, with no ConcurrentRunsExceeded retry', async () => {
    const stubs = await goodDay();

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    // Queuing is asked for on the run too: a job whose setting was changed by hand still queues.
    expect(stubs.calls('glue:startJobRun.sync')[0]?.input).toMatchObject({ JobRunQueuingEnabled: true });
    const job = loadTemplate().Resources.AuditCsvToParquetJob?.Properties as Record<string, unknown>;
    expect(job).toMatchObject({ JobRunQueuingEnabled: true, ExecutionProperty: { MaxConcurrentRuns: 1 } });
    const retries = (loadDefinition(MACHINE).States['Run Glue job'] as { Retry: { ErrorEquals: string[] }[] })
      .Retry;
    expect(retries.flatMap((r) => r.ErrorEquals)).not.toContain('Glue.ConcurrentRunsExceededException');
  });

  it('marks the claim FAILED with the error, notifies with the batch, state and cause, and fails by name when the Glue job fails', async () => {
    const stubs = await goodDay();
    const cause = JSON.stringify({
      Id: JOB_RUN,
      JobRunState: 'FAILED',
      ErrorMessage: 'AnalysisException: Path does not exist',
    });
    stubs.on('glue:startJobRun.sync').rejects('States.TaskFailed', cause);

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.GlueJobFailed', cause });
    const [markFailed] = claimUpdates(stubs);
    expect(markFailed).toEqual({
      TableName: 'loglake-test-AuditTokenClaimsTable',
      Key: CLAIM_KEY,
      UpdateExpression:
        'SET #status = :failed, failedState = :state, failureError = :error, failureCause = :cause',
      ConditionExpression: 'executionArn = :me',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': { S: 'FAILED' },
        ':state': { S: 'Run Glue job' },
        ':error': { S: 'CompletionToken.GlueJobFailed' },
        ':cause': { S: `States.TaskFailed: ${cause}` },
        ':me': { S: EXECUTION },
      },
    });
    const [notice] = stubs.notices();
    expect(notice).toContain('loglake: audit batch failed');
    expect(notice).toContain('failed in "Run Glue job" with States.TaskFailed');
    expect(notice).toContain('AnalysisException: Path does not exist');
    expect(notice).toContain('complete/2026-11-22T1300.token');
    expect(notice).toContain('"reclaim": true');
    expect(stubs.calls('states:startExecution.sync:2')).toEqual([]);
  });

  it('re-runs a FAILED token when the input asks to reclaim it: takes the claim over, then runs the batch', async () => {
    const stubs = claimed(await goodDay(), 'FAILED');

    const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    const [reclaim, done] = claimUpdates(stubs);
    expect(reclaim).toEqual({
      TableName: 'loglake-test-AuditTokenClaimsTable',
      Key: CLAIM_KEY,
      UpdateExpression:
        'SET #status = :running, executionArn = :me, attempts = attempts + :one REMOVE failedState, failureError, failureCause',
      ConditionExpression: '#status = :failed OR executionArn = :me',
      ReturnValues: 'ALL_NEW',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':running': { S: 'RUNNING' },
        ':failed': { S: 'FAILED' },
        ':one': { N: '1' },
        ':me': { S: EXECUTION },
      },
    });
    expect(done?.ExpressionAttributeValues?.[':done']).toEqual({ S: 'DONE' });
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  describe('a re-run after a failed load', () => {
    const SECOND = 'arn:aws:states:eu-west-1:123456789012:execution:test:second-run';
    /** Claims, Glue and the load as two executions see them: one claims table, the load failing first. */
    async function failedLoadThenReclaim(reclaimInput: Record<string, unknown> = reclaimEvent) {
      const dynamo = LocalDynamoDb.ofTemplate();
      const stubs = await goodDay();
      dynamo.serve(stubs);
      stubs.on('aws-sdk:sfn:describeExecution').resolves(holder('FAILED'));
      stubs.on('states:startExecution.sync:2').rejectsOnce(
        'States.TaskFailed',
        JSON.stringify({
          Status: 'FAILED',
          Error: 'RedshiftLoad.StatementFailed',
          Cause: 'permission denied',
        }),
      );

      const first = await runStateMachine(MACHINE, event, { stubs });
      const second = await runStateMachine(MACHINE, reclaimInput, {
        stubs,
        context: { Execution: { Id: SECOND } },
      });
      const claim = dynamo.getItem({ TableName: 'loglake-test-AuditTokenClaimsTable', Key: CLAIM_KEY }).Item;
      return { first, second, stubs, claim };
    }

    it('loads without a second Glue run: the claim recorded the finished one, and the re-claim resumes after it', async () => {
      const { first, second, stubs, claim } = await failedLoadThenReclaim();

      expect(first).toMatchObject({ status: 'FAILED', error: 'CompletionToken.RedshiftLoadFailed' });
      expect(stubs.notices()[0]).toContain('loads without converting the batch again');
      expect(second.status).toBe('SUCCEEDED');
      expect(second.output).toMatchObject({ glueJobRunId: JOB_RUN, glueSeconds: 94, rowsInserted: 6 });
      expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
      expect(stubs.calls('states:startExecution.sync:2')).toHaveLength(2);
      expect(claim).toMatchObject({
        status: { S: 'DONE' },
        executionArn: { S: SECOND },
        glueJobRunId: { S: JOB_RUN },
        attempts: { N: '2' },
      });
    });

    it('converts the batch again only when the re-run asks for it with "rerunGlue": true', async () => {
      const { second, stubs } = await failedLoadThenReclaim({ ...reclaimEvent, rerunGlue: true });

      expect(second.status).toBe('SUCCEEDED');
      expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(2);
    });

    it('records the Glue run once when the first answer to the write is lost', async () => {
      const dynamo = LocalDynamoDb.ofTemplate();
      const stubs = await goodDay();
      dynamo.serve(stubs);
      stubs
        .onState('Record Glue run', 'dynamodb:updateItem')
        .callsFake(firstAnswerLost('dynamodb:updateItem', (input) => dynamo.updateItem(input)));

      const run = await runStateMachine(MACHINE, event, { stubs });

      expect(run.status).toBe('SUCCEEDED');
      expect(run.retries).toContainEqual({ state: 'Record Glue run', attempt: 1 });
      expect(
        dynamo.getItem({ TableName: 'loglake-test-AuditTokenClaimsTable', Key: CLAIM_KEY }).Item,
      ).toMatchObject({
        status: { S: 'DONE' },
        glueJobRunId: { S: JOB_RUN },
      });
    });

    it('still loads when the Glue run cannot be recorded: only a later re-run would convert again', async () => {
      const stubs = await goodDay();
      stubs
        .onState('Record Glue run', 'dynamodb:updateItem')
        .rejects('DynamoDB.AmazonDynamoDBException', 'service unavailable');

      const run = await runStateMachine(MACHINE, event, { stubs });

      expect(run.status).toBe('SUCCEEDED');
      expect(stubs.calls('states:startExecution.sync:2')).toHaveLength(1);
    });
  });

  it('reports a re-run of a DONE token as a no-op that says who loaded it, and runs nothing', async () => {
    const stubs = claimed(await goodDay(), 'DONE');

    const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'AlreadyDone',
      doneBy: EARLIER,
      advice: expect.stringContaining('nothing ran'),
    });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
    expect(stubs.calls('states:startExecution.sync:2')).toEqual([]);
    expect(claimUpdates(stubs)).toEqual([]);
  });

  it('does not reclaim a FAILED token without the flag: the console re-run must ask for it', async () => {
    const stubs = claimed(await goodDay(), 'FAILED');

    const run = await runStateMachine(MACHINE, { ...event, reclaim: 'yes' }, { stubs });

    expect(run.output).toMatchObject({ outcome: 'AlreadyClaimed', claimStatus: 'FAILED' });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('yields when another re-run took the FAILED claim over first', async () => {
    const stubs = claimed(await goodDay(), 'FAILED');
    stubs
      .onState('Re-claim failed token', 'dynamodb:updateItem')
      .rejectsOnce('ConditionalCheckFailedException');

    const run = await runStateMachine(MACHINE, reclaimEvent, { stubs });

    expect(run.output).toMatchObject({ outcome: 'AlreadyClaimed' });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('marks the claim FAILED and notifies when the Redshift load child fails', async () => {
    const stubs = await goodDay();
    const cause = JSON.stringify({
      Status: 'FAILED',
      Error: 'RedshiftLoad.Failed',
      Cause: 'S3ServiceException: Access Denied',
    });
    stubs.on('states:startExecution.sync:2').rejects('States.TaskFailed', cause);

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.RedshiftLoadFailed' });
    expect(claimUpdates(stubs)[0]?.ExpressionAttributeValues?.[':failed']).toEqual({ S: 'FAILED' });
    expect(stubs.notices()[0]).toContain('failed in "Load into Redshift"');
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(1);
  });

  it('stops after the Glue job when the stack has no Redshift load, and says so in the claim', async () => {
    const definition = JSON.parse(JSON.stringify(loadDefinition(MACHINE)));
    definition.States['Read event'].Parameters.redshiftLoadStateMachineArn = '';
    const stubs = await goodDay();

    const run = await runDefinition(definition, event, { stubs, coverageOf: loadDefinition(MACHINE) });

    expect(run.output).toEqual({
      batchId: '2026-11-22T1300',
      csvRows: 6,
      glueJobRunId: JOB_RUN,
      glueSeconds: 94,
      redshift: 'not deployed: the Parquet stays in the processed zone',
    });
    expect(stubs.calls('states:startExecution.sync:2')).toEqual([]);
  });

  it('marks a batch without rows DONE without running the job', async () => {
    const { files } = loadEvent<{ files: Record<string, string> }>('audit-log-aggregator', 'source-files');
    const headerOnly = files['s3://wau-initech-audit/2026-11-22/header-only.csv'] as string;
    const empty = Object.fromEntries(
      Object.keys(files).map((uri) => [uri, uri.includes('umbrella') ? '' : headerOnly]),
    );
    const stubs = await goodDay(await aggregatorToken(empty));

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run.output).toEqual({
      batchId: '2026-11-22T1300',
      csvRows: 0,
      glue: 'skipped: the batch has no rows',
    });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
    expect(claimUpdates(stubs)[0]?.ExpressionAttributeValues?.[':done']).toEqual({ S: 'DONE' });
  });

  it.each([
    [
      'a token without the batch fields',
      JSON.stringify({ hello: 'world' }),
      'The token holds no batchId, manifestKey and rows',
    ],
    [
      'a token whose rows are not a number',
      JSON.stringify({ batchId: 'b', manifestKey: 'manifests/b.json', rows: '6' }),
      '"rows":"6"',
    ],
  ])('fails %s by name and marks the claim FAILED', async (_case, body, cause) => {
    const stubs = await goodDay(body);

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.TokenUnreadable' });
    expect(run.cause).toContain(cause);
    expect(claimUpdates(stubs)[0]?.ExpressionAttributeValues?.[':failed']).toEqual({ S: 'FAILED' });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('fails by name when the token object cannot be read', async () => {
    const stubs = await goodDay();
    stubs.on('aws-sdk:s3:getObject').rejects('S3.NoSuchKeyException', 'The specified key does not exist.');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'CompletionToken.TokenUnreadable',
      cause: 'The specified key does not exist.',
    });
    expect(stubs.notices()[0]).toContain('failed in "Read token"');
  });

  it('fails by name, not with States.Runtime, when the token body is not JSON, and marks the claim FAILED', async () => {
    const stubs = await goodDay('batchId=2026-11-22T1300, rows=6');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.TokenUnreadable' });
    // AWS raises States.IntrinsicFailure (caught first by name); the offline engine raises the
    // parser's SyntaxError, which the States.ALL catcher behind it takes to the same path.
    expect(run.caught.map((c) => c.state)).toEqual(['Read token']);
    expect(claimUpdates(stubs)[0]?.ExpressionAttributeValues?.[':failed']).toEqual({ S: 'FAILED' });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('fails by name when the claim was refused but no claim can be read back, and runs nothing', async () => {
    const stubs = await goodDay();
    stubs.on('dynamodb:putItem').rejects('ConditionalCheckFailedException', 'The conditional request failed');
    // GetItem answers without Item for a key that is not (any longer) in the table.
    stubs.on('dynamodb:getItem').resolves({});

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.ClaimUnreadable' });
    expect(stubs.notices()[0]).toContain('failed in "Read existing claim"');
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('refuses an input that is not a token event, and notifies', async () => {
    const stubs = await goodDay();

    const run = await runStateMachine(MACHINE, { batchId: '2026-11-22T1300' }, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.NotATokenEvent' });
    expect(stubs.calls('dynamodb:putItem')).toEqual([]);
    expect(stubs.notices()[0]).toContain('failed in "Is it a token event?"');
  });

  it('retries a throttled claim, and fails by name without touching any claim when DynamoDB keeps failing', async () => {
    const stubs = await goodDay();
    stubs.on('dynamodb:putItem').rejects('ProvisionedThroughputExceededException');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.ClaimFailed' });
    // The first attempt and 4 retries.
    expect(stubs.calls('dynamodb:putItem')).toHaveLength(5);
    expect(claimUpdates(stubs)).toEqual([]);
    expect(stubs.notices()[0]).toContain('re-run the execution with the same input');
  });

  it('fails by name when the existing claim cannot be read', async () => {
    const stubs = claimed(await goodDay(), 'DONE');
    stubs.on('dynamodb:getItem').rejects('DynamoDB.AmazonDynamoDBException', 'Internal error');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.ClaimFailed' });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([]);
  });

  it('still notifies when recording success and then recording the failure both fail', async () => {
    const stubs = await goodDay();
    stubs
      .on('dynamodb:updateItem')
      .rejects('DynamoDB.ResourceNotFoundException', 'Requested resource not found');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.RecordFailed' });
    expect(run.statesEntered).toEqual(
      expect.arrayContaining([
        'Mark claim done',
        'Recording success failed',
        'Mark claim failed',
        'Notify failure',
      ]),
    );
    expect(stubs.notices()).toHaveLength(1);
  });

  it('fails by name when only the success notice is lost, leaving the claim DONE', async () => {
    const stubs = await goodDay();
    stubs
      .onState('Notify success', 'sns:publish')
      .rejects('SNS.AuthorizationErrorException', 'Not authorized');

    const run = await runStateMachine(MACHINE, event, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'CompletionToken.NotifyFailed' });
    expect(
      claimUpdates(stubs).map(
        (u) => u.ExpressionAttributeValues?.[':done'] ?? u.ExpressionAttributeValues?.[':failed'],
      ),
    ).toEqual([{ S: 'DONE' }]);
    expect(stubs.notices()[1]).toContain('only the success notice was lost');
  });
});
