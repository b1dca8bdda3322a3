import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DescribedChangeSet, rotationPlan } from '../../functions/rotation-change-set/plan';
import { loadEvent } from '../../offline/fixtures';
import type { EventLog, ExecutionReport } from '../../offline/harness';
import { lambdaContext } from '../../offline/lambda-context';
import { startOpenSearchNode } from '../../offline/opensearch-node';
import { type CentralLoggingResult, centralLoggingDemo } from './central-logging';
import { reconciledRows, TABLE_HEADER, tableCells } from './demo-table';
import { type FailureGroup, failuresOf } from './failures';
import { loadHandler } from './handlers';
import { htmlReport, statusChart } from './report-html';
import recordedChangeSets from './rotation-change-sets.json';
import { auditSample, clickstreamSample, expectedReport } from './samples';
import { type SearchResult, searchPipeline } from './search';
import { names } from './services';
import { type LocalSession, startLocalSession } from './session';

export interface DemoOptions {
  readonly outDir: string;
  readonly clickstreamLines: number;
  readonly auditRowsPerCustomer: number;
  readonly trailDays: number;
  /** The demo's clock: the samples end at it and the scheduled runs start at it (fixed, so two runs agree). */
  readonly now: Date;
  /** Only these pipelines (`make demo PIPELINE=clickstream`); all when absent. */
  readonly pipelines?: readonly DemoPipeline[];
  readonly print?: (line: string) => void;
}

export type DemoPipeline = 'clickstream' | 'audit' | 'cloudtrail' | 'ingestion';
export const DEMO_PIPELINES: readonly DemoPipeline[] = ['clickstream', 'audit', 'cloudtrail', 'ingestion'];

export interface ClickstreamResult {
  lines: number;
  ok: number;
  processingFailed: number;
  dropped: number;
  rawObjects: number;
  errorObjects: number;
  report: Record<string, string>;
  expected: ReturnType<typeof expectedReport>;
  secondRun: unknown;
  /** The search sink on a real local OpenSearch node: what it indexed and what each visualization shows. */
  search: SearchResult & { nodeStartSeconds: number };
}

export interface AuditResult {
  files: number;
  csvRows: number;
  rejectedRows: number;
  duplicateRows: number;
  loadedRows: number;
  expectedRows: number;
  outcome: unknown;
  secondRun: unknown;
}

export interface CloudTrailResult {
  events: number;
  hourFiles: number;
  backfill: unknown;
  callsByHour: [string, number][];
  eventsInWindow: number;
  eventsOutsideWindow: number;
  eventsWithoutTime: number;
}

export interface IngestionResult {
  cloudWatchLogs: Record<string, number>;
  centralLogging: CentralLoggingResult;
  dynamodb: Record<string, number>;
  dynamodbChanges: { in: number; forwarded: number; failed: number };
}

/** What the demo did; a pipeline it was not asked to run is absent. */
export interface DemoResult {
  clickstream?: ClickstreamResult;
  audit?: AuditResult;
  cloudtrail?: CloudTrailResult;
  ingestion?: IngestionResult;
  /** The records the transforms rejected, by reason, as their error prefixes keep them. */
  failures: FailureGroup[];
  /** When the demo ran (UTC) and for how long. */
  startedAt: string;
  seconds: number;
  reportHtml: string;
}

/** Runs every loglake pipeline on this machine, on sample data, with the real code. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(options.outDir, { recursive: true });
  const progress = (machine: string, event: EventLog) => {
    if (event.type === 'StateEntered') print(`    ${machine} › ${event.state.name}`);
    if (event.type === 'ExecutionFailed') print(`    ${machine} ✗ ${event.Error}: ${event.Cause}`);
  };
  const session = await startLocalSession({
    storeRoot: join(options.outDir, 's3'),
    now: options.now,
    trailDays: options.trailDays,
    onEvent: progress,
  });
  const { store, services } = session;
  try {
    const started = Date.now();
    const run = async (machine: string, input: unknown) => {
      const report = await session.run(machine, input);
      print(
        `  ${machine}: ${report.status}${report.status === 'FAILED' ? ` (${report.error}: ${report.cause})` : ''}`,
      );
      return report;
    };
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

    const ctx: DemoContext = { options, session, print, run, elapsed };
    const want = (pipeline: DemoPipeline) => !options.pipelines || options.pipelines.includes(pipeline);
    const clickstream = want('clickstream') ? await clickstreamPipeline(ctx) : undefined;
    const audit = want('audit') ? await auditPipeline(ctx) : undefined;
    const cloudtrail = want('cloudtrail') ? await cloudTrailPipeline(ctx) : undefined;
    const ingestion = want('ingestion') ? await ingestionPipeline(ctx) : undefined;
    if (!options.pipelines) rotationPlans(print);

    const summary = queriesOf(services.queries);
    const result: DemoResult = {
      clickstream,
      audit,
      cloudtrail,
      ingestion,
      failures: failuresOf(store, names.rawBucket),
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      reportHtml: join(options.outDir, 'report.html'),
    };
    writeFileSync(result.reportHtml, htmlReport(result, summary, services.notices));
    writeFileSync(join(options.outDir, 'report-chart.svg'), statusChart(summary.hourly));
    writeFileSync(join(options.outDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
    printTables(print, result);
    print(`\nHTML report: ${result.reportHtml}   (local lake: ${store.root}) [${elapsed()}]`);
    return result;
  } finally {
    await session.close();
  }
}

/** What every pipeline section of the demo runs with. */
interface DemoContext {
  readonly options: DemoOptions;
  readonly session: LocalSession;
  readonly print: (line: string) => void;
  readonly run: (machine: string, input: unknown) => Promise<ExecutionReport>;
  readonly elapsed: () => string;
}

async function clickstreamPipeline({
  options,
  session,
  print,
  run,
  elapsed,
}: DemoContext): Promise<ClickstreamResult> {
  const { store, firehose } = session;
  print(`\n▶ Clickstream: ${options.clickstreamLines} access-log lines through Firehose and the transform`);
  // The search sink's node starts while the lines go through the transform and Glue.
  const starting = startOpenSearchNode();
  starting.catch(() => {});
  const sample = clickstreamSample(options.clickstreamLines, options.now);
  for (let i = 0; i < sample.length; i += 500) {
    await firehose.deliver(
      'ClickstreamDeliveryStream',
      sample.slice(i, i + 500).map((r) => Buffer.from(`${r.line}\n`)),
    );
  }
  const delivered = firehose.countsOf('ClickstreamDeliveryStream');
  const rawObjects = store.list(names.rawBucket, 'clickstream/').length;
  const errorObjects = store.list(names.rawBucket, 'clickstream-errors/').length;
  print(
    `  ${delivered.ok} ok, ${delivered.processingFailed} processing-failed, ${delivered.dropped} dropped: ${rawObjects} objects under clickstream/, ${errorObjects} under clickstream-errors/ [${elapsed()}]`,
  );
  print('  CatalogThenEtlStateMachine (scheduled run): crawl, Glue job on local Spark, Athena SQL on DuckDB');
  const etl = await run('CatalogThenEtlStateMachine', { scheduledTime: options.now.toISOString() });
  const headline = (etl.output as { headline?: Record<string, string> } | undefined)?.headline ?? {};
  print(`  report: ${JSON.stringify(headline)} [${elapsed()}]`);
  print('  …and again: every hour holds what the first run converted, so nothing to do');
  const etlAgain = await run('CatalogThenEtlStateMachine', { scheduledTime: options.now.toISOString() });

  const node = await starting;
  print(
    `  Search sink: a local OpenSearch ${node.url} (started in ${(node.startMs / 1000).toFixed(1)} s), each raw object forwarded to the search stream`,
  );
  let search: SearchResult;
  try {
    search = await searchPipeline(store, firehose, node, {
      from: new Date(options.now.getTime() - 3 * 3_600_000).toISOString(),
      to: options.now.toISOString(),
    });
  } finally {
    await node.stop();
  }
  const single = (id: string) => search.visualizations.find((v) => v.id === id)?.rows[0]?.value;
  print(
    `  indexed ${search.documentsIndexed} documents from ${search.objectsForwarded} objects (${search.documentsBackedUp} backed up); dashboards: page views ${single('loglake-clickstream-page-views')}, sign-ups ${single('loglake-clickstream-sign-ups')}, sign-ins ${single('loglake-clickstream-sign-ins')}, distinct usernames ${single('loglake-clickstream-distinct-usernames')} [${elapsed()}]`,
  );

  return {
    lines: sample.length,
    ok: delivered.ok,
    processingFailed: delivered.processingFailed,
    dropped: delivered.dropped,
    rawObjects,
    errorObjects,
    report: headline,
    expected: expectedReport(sample),
    secondRun: etlAgain.output,
    search: { ...search, nodeStartSeconds: node.startMs / 1000 },
  };
}

async function auditPipeline({ options, session, print, run, elapsed }: DemoContext): Promise<AuditResult> {
  const { store, redshift, services } = session;
  print(`\n▶ Audit logs: 3 customers' exports, aggregated, then one Glue run and a Redshift load per token`);
  const audit = auditSample(options.now, options.auditRowsPerCustomer);
  for (const [uri, text] of Object.entries(audit.files)) {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as unknown as [string, string, string];
    store.put(bucket, key, text);
  }
  const batchId = `demo-${options.now.toISOString().slice(0, 10)}`;
  const aggregated = (await (
    await loadHandler('AuditLogAggregatorFunction')
  )({ batchId, sources: audit.sources }, lambdaContext('AuditLogAggregatorFunction'))) as {
    tokenKey: string;
    files: number;
    rows: number;
  };
  print(`  aggregator: ${aggregated.files} files, ${aggregated.rows} rows, token ${aggregated.tokenKey}`);
  const token = store.get(names.auditBucket, aggregated.tokenKey);
  const tokenEvent = {
    ...loadEvent<Record<string, unknown>>('completion-token', 'token-created'),
    detail: {
      bucket: { name: names.auditBucket },
      object: {
        key: aggregated.tokenKey,
        size: token.byteLength,
        etag: createHash('md5').update(token).digest('hex'),
      },
    },
  };
  const completion = await run('CompletionTokenStateMachine', tokenEvent);
  const loaded =
    (await redshift.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.wau_audit_logs')).rows[0]
      ?.n ?? 0;
  print(
    `  Redshift (PostgreSQL 17 via PGlite): ${loaded} rows in audit.wau_audit_logs (${audit.uniqueValidEvents} unique valid events) [${elapsed()}]`,
  );
  print('  …the same token event again (S3 may deliver twice):');
  const duplicate = await run('CompletionTokenStateMachine', tokenEvent);

  return {
    files: aggregated.files,
    csvRows: aggregated.rows,
    rejectedRows: services.glueRuns
      .filter((g) => g.job === names.auditJob)
      .reduce((sum, g) => sum + g.rejects, 0),
    // Rows a later copy of the same event id replaced: in the Glue job (it keeps the latest
    // per id) and in the Redshift merge (an id already loaded).
    duplicateRows:
      services.glueRuns
        .filter((g) => g.job === names.auditJob)
        .reduce((sum, g) => sum + (g.rowsRead ?? 0) - g.rejects, 0) - loaded,
    loadedRows: loaded,
    expectedRows: audit.uniqueValidEvents,
    outcome: completion.output,
    secondRun: duplicate.output,
  };
}

async function cloudTrailPipeline({
  options,
  session,
  print,
  run,
  elapsed,
}: DemoContext): Promise<CloudTrailResult> {
  const { store, trailEvents } = session;
  print(
    `\n▶ CloudTrail: ${trailEvents.length} KMS events over ${options.trailDays} days, backfilled into hourly timeseries`,
  );
  const end = new Date(Math.floor(options.now.getTime() / 86_400_000) * 86_400_000);
  const backfill = await run('CloudTrailBackfillStateMachine', {
    service: 'kms',
    days: options.trailDays - 1,
    end: end.toISOString(),
  });
  const hourFiles = store.list(names.rawBucket, 'timeseries/').filter((o) => o.key.endsWith('.csv'));
  const windowStart = end.getTime() - (options.trailDays - 1) * 86_400_000;
  const eventsInWindow = trailEvents.filter(
    (e) => Number(e.EventTime) >= windowStart && Number(e.EventTime) < end.getTime(),
  ).length;
  const eventsWithoutTime =
    (backfill.output as { eventsWithoutTime?: number } | undefined)?.eventsWithoutTime ?? 0;
  const callsByHour = hourFiles
    .map((o): [string, number] => [
      o.key.split('/').slice(1, 3).join(' '),
      readFileSync(store.path(names.rawBucket, o.key), 'utf8').trim().split('\n').length - 1,
    ])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  print(`  ${hourFiles.length} hourly CSV files under timeseries/ [${elapsed()}]`);

  return {
    events: trailEvents.length,
    hourFiles: hourFiles.length,
    backfill: backfill.output,
    callsByHour,
    eventsInWindow,
    eventsOutsideWindow: trailEvents.length - eventsInWindow,
    eventsWithoutTime,
  };
}

async function ingestionPipeline({ options, session, print }: DemoContext): Promise<IngestionResult> {
  const { firehose } = session;
  print('\n▶ CloudWatch Logs subscription and DynamoDB stream samples');
  const cwl = loadEvent<{ records: { data: string }[] }>('cloudwatch-logs-transform', 'mixed');
  await firehose.deliver(
    'CloudWatchLogsDeliveryStream',
    cwl.records.map((r) => Buffer.from(r.data, 'base64')),
  );
  const changes = loadEvent<{ Records: unknown[] }>('dynamodb-stream-forwarder', 'insert-modify-remove');
  const forwarded = (await (
    await loadHandler('DynamoDbStreamForwarderFunction')
  )(changes, lambdaContext('DynamoDbStreamForwarderFunction'))) as
    | { batchItemFailures?: unknown[] }
    | undefined;
  const dynamodbChanges = {
    in: changes.Records.length,
    failed: forwarded?.batchItemFailures?.length ?? 0,
    forwarded: changes.Records.length - (forwarded?.batchItemFailures?.length ?? 0),
  };
  const cwlCounts = { ...firehose.countsOf('CloudWatchLogsDeliveryStream') };
  const centralLogging = await centralLoggingDemo(session, options.now);
  const ddbCounts = { ...firehose.countsOf('DynamoDbDeliveryStream') };
  print(
    `  CloudWatch Logs: ${cwlCounts.recordsIn} payloads → ${cwlCounts.ok} ok, ${cwlCounts.processingFailed} processing-failed, ${cwlCounts.dropped} dropped`,
  );
  print(
    `  Central logging: ${centralLogging.payloads} payloads from ${centralLogging.byAccount.filter((a) => a.via === 'destination').length} sending accounts (through the destination) and this one (through its account policy); ${centralLogging.excluded.reduce((n, e) => n + e.payloads, 0)} payloads of ${centralLogging.excluded.length} loglake log groups excluded by the policy`,
  );
  for (const a of centralLogging.byAccount)
    print(
      `    account=${a.account} (${a.via}): ${a.logGroups} log group${a.logGroups === 1 ? '' : 's'}, ${a.eventsSent} events sent → ${a.eventsStored} stored in ${a.objects} objects`,
    );
  print(
    `  DynamoDB: ${dynamodbChanges.in} changes → ${dynamodbChanges.forwarded} forwarded in ${ddbCounts.recordsIn} Firehose record(s) → ${ddbCounts.objects} objects under dynamodb/`,
  );

  return {
    cloudWatchLogs: cwlCounts as unknown as Record<string, number>,
    centralLogging,
    dynamodb: ddbCounts as unknown as Record<string, number>,
    dynamodbChanges,
  };
}

function queriesOf(queries: Map<string, { columns: string[]; rows: string[][] }>) {
  const all = [...queries.values()];
  return {
    hourly: all.find((q) => q.columns.includes('status_5xx')),
    topPaths: all.find((q) => q.columns.includes('path_rank')),
  };
}

function printTables(print: (line: string) => void, r: DemoResult) {
  const rows = reconciledRows(r).map(tableCells);
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  print('');
  print(line(TABLE_HEADER));
  print(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) print(line(row));
}

/**
 * The key rotation needs CloudFormation, which has no honest local stand-in; what it decides
 * does not: the real change-set logic on two recorded change sets.
 */
function rotationPlans(print: (line: string) => void) {
  print('\n▶ API key rotation (CloudFormation is not run locally): the plan it makes of a change set');
  print(
    "  On AWS: a change set of the deployed template with only the older key slot's timestamp new, read, executed only if it changes that key alone.",
  );
  for (const [name, recorded] of Object.entries(recordedChangeSets).filter(([key]) => key !== 'about')) {
    const { root, nested } = recorded as {
      root: DescribedChangeSet;
      nested: Record<string, DescribedChangeSet>;
    };
    const plan = rotationPlan(root, new Map(Object.entries(nested)), 'A');
    const verdict =
      plan.foreignChanges.length === 0
        ? `would execute: ${plan.keyChanges.map((c) => c.resource).join(', ')}`
        : `would refuse (ApiKeyRotation.ForeignChanges) and delete it: ${plan.foreignSummary}`;
    print(`  ${(root as { ChangeSetName?: string }).ChangeSetName} (${name}): ${verdict}`);
  }
}
