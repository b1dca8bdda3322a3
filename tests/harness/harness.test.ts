import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { loadEvent } from '../../offline/fixtures';
import { runDefinition, statesNeverEntered } from '../../offline/harness';
import { allStates, substitute } from '../../offline/state-machines';
import { ServiceStubs } from '../../offline/stubs';
import { fakeFunctionArn } from '../../offline/substitutions';
import { trackStateCoverage } from '../support/state-coverage';

const definition = JSON.parse(
  substitute(readFileSync(join(__dirname, 'fixtures', 'harness-demo.asl.json'), 'utf8'), {
    ClickstreamTransformFunctionArn: fakeFunctionArn('ClickstreamTransformFunction'),
    CrawlerName: 'loglake-test-raw-crawler',
    GlueJobName: 'loglake-test-job',
    NotifyTopicArn: 'arn:aws:sns:eu-west-1:123456789012:loglake-test-notify',
  }),
) as StateMachineDefinition;

trackStateCoverage(definition);

const input = { firehoseEvent: loadEvent('clickstream-transform', 'mixed'), batch: 'b-001' };

/** Stubs for a run where every service answers as on a good day. */
function healthyServices(): ServiceStubs {
  const stubs = new ServiceStubs();
  stubs.on('aws-sdk:glue:startCrawler').resolves({});
  stubs
    .on('aws-sdk:glue:getCrawler')
    .resolvesOnce({ Crawler: { Name: 'loglake-test-raw-crawler', State: 'RUNNING' } })
    .resolves({
      Crawler: { Name: 'loglake-test-raw-crawler', State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } },
    });
  stubs.on('glue:startJobRun.sync').resolves({
    Id: 'jr_0123456789abcdef',
    JobName: 'loglake-test-job',
    JobRunState: 'SUCCEEDED',
    StartedOn: new Date('2026-11-22T13:00:00Z'),
  });
  stubs.on('sns:publish').resolves({ MessageId: '9b5a3c4e-0000-4000-8000-000000000000' });
  return stubs;
}

describe('workflow harness', () => {
  it('runs the real Lambda handler in-process and answers other tasks from typed stubs', async () => {
    const stubs = healthyServices();

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      transformed: { results: ['Ok', 'Dropped', 'ProcessingFailed', 'Ok', 'Ok', 'ProcessingFailed'] },
      crawler: { state: 'READY' },
      jobRun: { id: 'jr_0123456789abcdef', state: 'SUCCEEDED' },
    });
    expect(stubs.calls('glue:startJobRun.sync')).toEqual([
      {
        key: 'glue:startJobRun.sync',
        state: 'Run Glue job',
        input: { JobName: 'loglake-test-job', Arguments: { '--batch': 'b-001' } },
      },
    ]);
    expect(stubs.calls('aws-sdk:glue:startCrawler')[0]?.input).toEqual({ Name: 'loglake-test-raw-crawler' });
  });

  it('lists the states entered in order, each pass of a Wait loop included', async () => {
    const run = await runDefinition(definition, input, { stubs: healthyServices() });

    expect(run.statesEntered).toEqual([
      'Transform sample records',
      'Start crawler',
      'Wait for crawler',
      'Get crawler',
      'Is crawl finished?',
      'Wait for crawler',
      'Get crawler',
      'Is crawl finished?',
      'Run Glue job',
      'Done',
    ]);
  });

  it('lets a Catch on a specific service error continue the workflow', async () => {
    const stubs = healthyServices();
    stubs
      .on('aws-sdk:glue:startCrawler')
      .rejectsOnce('CrawlerRunningException', 'Crawler with name … has already started');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.caught).toEqual([{ state: 'Start crawler', error: 'Glue.CrawlerRunningException' }]);
  });

  it('retries a retryable error and succeeds on the next attempt', async () => {
    const stubs = healthyServices();
    stubs
      .on('glue:startJobRun.sync')
      .rejectsOnce('ConcurrentRunsExceededException', 'Concurrent runs exceeded');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([{ state: 'Run Glue job', attempt: 1 }]);
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(2);
  });

  it('sends an exhausted Retry to the Catch, which notifies with the state and error and fails by name', async () => {
    const stubs = healthyServices();
    stubs.on('glue:startJobRun.sync').rejects('ConcurrentRunsExceededException', 'Concurrent runs exceeded');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('HarnessDemo.Failed');
    expect(run.cause).toBe('Concurrent runs exceeded');
    expect(stubs.calls('glue:startJobRun.sync')).toHaveLength(3);
    expect(stubs.calls('sns:publish')[0]?.input.Message).toBe(
      'Run Glue job failed with Glue.ConcurrentRunsExceededException: Concurrent runs exceeded',
    );
    expect(run.statesEntered.slice(-3)).toEqual(['Glue job failed', 'Notify failure', 'Fail']);
  });

  it('reports an error thrown by the real handler under its own name, as Step Functions does', async () => {
    const stubs = healthyServices();

    const run = await runDefinition(
      definition,
      { firehoseEvent: { records: 'not a list' }, batch: 'b' },
      { stubs },
    );

    expect(run.status).toBe('FAILED');
    expect(stubs.calls('sns:publish')[0]?.input.Message).toMatch(
      /^Transform sample records failed with InvalidFirehoseEventError: \{"errorType":"InvalidFirehoseEventError"/,
    );
  });

  it('lets a scripted Lambda service error pre-empt the handler, then runs the handler on retry', async () => {
    const stubs = healthyServices();
    stubs.on('lambda:invoke').rejectsOnce('TooManyRequestsException', 'Rate exceeded');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([{ state: 'Transform sample records', attempt: 1 }]);
    expect(run.output).toMatchObject({ transformed: { results: expect.arrayContaining(['Ok']) } });
  });

  it('scripts one state without changing what other states calling the same service get', async () => {
    const stubs = healthyServices();
    stubs
      .onState('Transform sample records', 'lambda:invoke')
      .rejects('TooManyRequestsException', 'Rate exceeded');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('FAILED');
    expect(run.retries.map((r) => r.state)).toEqual(Array(3).fill('Transform sample records'));
    expect(stubs.calls('lambda:invoke').map((c) => c.state)).toEqual(
      Array(4).fill('Transform sample records'),
    );
  });

  it('routes any other service error to the failure path', async () => {
    const stubs = healthyServices();
    stubs.on('aws-sdk:glue:getCrawler').rejects('EntityNotFoundException', 'Crawler entry not found');

    const run = await runDefinition(definition, input, { stubs });

    expect(run.status).toBe('FAILED');
    expect(run.caught).toEqual([{ state: 'Get crawler', error: 'Glue.EntityNotFoundException' }]);
    expect(run.statesEntered).toContain('Crawler failed');
  });

  it('refuses to report an execution that called a service nobody stubbed', async () => {
    const stubs = healthyServices();
    const unstubbed = new ServiceStubs();
    unstubbed.on('sns:publish').resolves({});

    await expect(runDefinition(definition, input, { stubs: unstubbed })).rejects.toThrow(
      /Unstubbed service calls.*Start crawler → aws-sdk:glue:startCrawler/,
    );
    expect(stubs.calls('sns:publish')).toEqual([]);
  });

  it('names the states no run entered', () => {
    const names = allStates(definition).map(([name]) => name);

    expect(statesNeverEntered(definition, new Set(names))).toEqual([]);
    expect(statesNeverEntered(definition, new Set(names.filter((n) => n !== 'Get crawler')))).toEqual([
      'Get crawler',
    ]);
  });

  it('types stub responses with the SDK output types', () => {
    const stubs = new ServiceStubs();
    // @ts-expect-error JobRunState must be one of Glue's JobRunState values.
    stubs.on('glue:startJobRun.sync').resolves({ JobRunState: 'DONE' });
    // @ts-expect-error GetCrawler answers { Crawler }, not { State }.
    stubs.on('aws-sdk:glue:getCrawler').resolves({ State: 'READY' });

    expect(stubs.has('glue:startJobRun.sync')).toBe(true);
  });
});
