import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import { type EventLog, type Handler, runDefinition } from '../../offline/harness';
import { loadDefinition, stateMachineLogicalId } from '../../offline/state-machines';
import { ServiceStubs, TaskFailure } from '../../offline/stubs';
import { fakeRef } from '../../offline/substitutions';
import { type Json, loadTemplate } from '../../offline/template';
import { LocalDynamoDb } from './dynamodb';
import type { LocalObjectStore } from './object-store';
import { parseS3Uri } from './object-store';
import { runPython } from './python';
import type { LocalRedshift } from './redshift';

const template = loadTemplate();
export const names = {
  rawBucket: fakeRef(template, 'RawBucket'),
  auditBucket: fakeRef(template, 'AuditBucket'),
  resultsBucket: fakeRef(template, 'AthenaResultsBucket'),
  crawler: fakeRef(template, 'ClickstreamRawCrawler'),
  clickstreamJob: fakeRef(template, 'ClickstreamToParquetJob'),
  auditJob: fakeRef(template, 'AuditCsvToParquetJob'),
};

export interface Notice {
  subject: string;
  message: string;
}

export interface LocalServices {
  stubs: ServiceStubs;
  dynamodb: LocalDynamoDb;
  notices: Notice[];
  glueRuns: { job: string; seconds: number; records: number; rejects: number; rowsRead?: number }[];
  queries: Map<string, { columns: string[]; rows: string[][] }>;
}

/** What the workflows' service integrations reach locally: every one backed by a real engine. */
export function localServices(
  store: LocalObjectStore,
  redshift: LocalRedshift,
  handlerFor: (logicalId: string) => Handler,
  onEvent: (machine: string, event: EventLog) => void,
): LocalServices {
  const dynamodb = LocalDynamoDb.ofTemplate();
  const stubs = new ServiceStubs();
  const notices: Notice[] = [];
  const glueRuns: LocalServices['glueRuns'] = [];
  const queries = new Map<string, { columns: string[]; rows: string[][] }>();
  // The report's SQL files by their text, as the workflow sends them.
  const sqlByText = new Map(
    readdirSync(join(REPO_ROOT, 'sql', 'athena')).map((f) => {
      const path = join(REPO_ROOT, 'sql', 'athena', f);
      return [readFileSync(path, 'utf8').trim(), path] as const;
    }),
  );
  let crawlStarted = new Date(0);
  let sequence = 0;

  dynamodb.serve(stubs);
  stubs.on('aws-sdk:s3:getObject').callsFake(({ Bucket, Key }) => ({
    Body: store.get(String(Bucket), String(Key)).toString('utf8'),
  }));
  stubs.on('aws-sdk:cloudwatch:putMetricData').resolves({});
  stubs.on('sns:publish').callsFake(({ Subject, Message }) => {
    notices.push({ subject: String(Subject), message: String(Message) });
    return { MessageId: `local-${notices.length}` };
  });

  // The crawler catalogs the raw zone's partitions; Athena's table uses partition projection.
  stubs.on('aws-sdk:glue:startCrawler').callsFake(() => {
    crawlStarted = new Date();
    return {};
  });
  stubs.on('aws-sdk:glue:getCrawler').callsFake(({ Name }) => ({
    Crawler: { Name, State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: crawlStarted } },
  }));

  stubs.on('glue:startJobRun.sync').callsFake(async ({ JobName, Arguments = {} }) => {
    let result: { records: number; rejects: number; seconds: number };
    if (JobName === names.clickstreamJob) {
      result = await runPython('glue-clickstream', {
        raw: store.path(names.rawBucket, 'clickstream'),
        hours: String(Arguments['--hours']),
        processed: store.path(names.rawBucket, 'processed/clickstream'),
        rejects: store.path(names.rawBucket, 'rejects/clickstream'),
        mode: Arguments['--write_mode'] === 'overwrite' ? 'overwrite' : 'append',
      });
    } else if (JobName === names.auditJob) {
      const manifest = parseS3Uri(String(Arguments['--manifest_uri']));
      result = await runPython('glue-audit', {
        manifest: store.path(manifest.bucket, manifest.key),
        store: store.root,
        'batch-id': String(Arguments['--batch_id']),
        processed: store.path(names.rawBucket, 'processed/audit'),
        rejects: store.path(names.rawBucket, 'rejects/audit'),
      });
    } else
      throw TaskFailure.of('glue:startJobRun.sync', 'EntityNotFoundException', `no local job ${JobName}`);
    glueRuns.push({ job: String(JobName), ...result });
    return {
      Id: `jr_local_${++sequence}`,
      JobName,
      JobRunState: 'SUCCEEDED',
      ExecutionTime: Math.ceil(result.seconds),
    };
  });

  stubs.on('athena:startQueryExecution.sync').callsFake(async ({ QueryString, ExecutionParameters = [] }) => {
    const sql = sqlByText.get(String(QueryString).trim());
    if (!sql)
      throw TaskFailure.of(
        'athena:startQueryExecution.sync',
        'States.TaskFailed',
        'the query is not one of sql/athena',
      );
    const id = `local-query-${++sequence}`;
    const key = `reports/${id}.csv`;
    const result = await runPython<{ columns: string[]; rows: string[][] }>('athena', {
      sql,
      parameters: JSON.stringify(ExecutionParameters),
      parquet: store.path(names.rawBucket, 'processed/clickstream'),
      table: 'clickstream',
      out: store.path(names.resultsBucket, key),
    });
    queries.set(id, result);
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Query: QueryString,
        Status: { State: 'SUCCEEDED' },
        ResultConfiguration: { OutputLocation: `s3://${names.resultsBucket}/${key}` },
      },
    };
  });
  stubs.on('athena:getQueryResults').callsFake(({ QueryExecutionId, MaxResults }) => {
    const result = queries.get(String(QueryExecutionId));
    if (!result)
      throw TaskFailure.of(
        'athena:getQueryResults',
        'InvalidRequestException',
        `no query ${QueryExecutionId}`,
      );
    const rows = [result.columns, ...result.rows].slice(0, MaxResults ?? 1000);
    return { ResultSet: { Rows: rows.map((row) => ({ Data: row.map((v) => ({ VarCharValue: v })) })) } };
  });

  stubs
    .on('aws-sdk:redshiftdata:batchExecuteStatement')
    .callsFake((input) => redshift.batchExecuteStatement(input));
  stubs.on('aws-sdk:redshiftdata:describeStatement').callsFake((input) => redshift.describeStatement(input));
  stubs.on('aws-sdk:redshiftdata:describeTable').callsFake((input) => redshift.describeTable(input));
  stubs
    .on('aws-sdk:redshiftdata:getStatementResult')
    .callsFake((input) => redshift.getStatementResult(input));

  // A child workflow runs on the same local services, as Step Functions would run it.
  stubs.on('states:startExecution.sync:2').callsFake(async ({ StateMachineArn, Input }) => {
    const logicalId = stateMachineLogicalId(String(StateMachineArn));
    const run = await runDefinition(
      loadDefinition(logicalId),
      typeof Input === 'string' ? JSON.parse(Input) : Input,
      {
        context: { Execution: localExecution(logicalId) },
        stubs,
        handlerFor,
        onEvent: (event) => onEvent(logicalId, event),
      },
    );
    const executionArn = `${String(StateMachineArn).replace(':stateMachine:', ':execution:')}:local-${++sequence}`;
    if (run.status === 'FAILED') {
      throw TaskFailure.of(
        'states:startExecution.sync:2',
        'States.TaskFailed',
        JSON.stringify({ ExecutionArn: executionArn, Status: 'FAILED', Error: run.error, Cause: run.cause }),
      );
    }
    return {
      ExecutionArn: executionArn,
      StateMachineArn,
      Status: 'SUCCEEDED',
      StartDate: new Date(),
      Output: run.output as Json,
    };
  });

  return { stubs, dynamodb, notices, glueRuns, queries };
}

/** A fresh execution id and name for a local run, as Step Functions gives every execution its own. */
export function localExecution(machine: string): { Id: string; Name: string } {
  const name = randomUUID();
  return { Id: `arn:aws:states:eu-west-1:123456789012:execution:${machine}:${name}`, Name: name };
}
