import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvent } from '../../offline/fixtures';
import type { EventLog } from '../../offline/harness';
import { lambdaContext } from '../../offline/lambda-context';
import { loadHandler } from './handlers';
import { htmlReport, statusChart } from './report-html';
import { auditSample, clickstreamSample, expectedReport } from './samples';
import { names } from './services';
import { startLocalSession } from './session';

export interface DemoOptions {
  readonly outDir: string;
  readonly clickstreamLines: number;
  readonly auditRowsPerCustomer: number;
  readonly trailDays: number;
  readonly print?: (line: string) => void;
}

export interface DemoResult {
  clickstream: {
    lines: number;
    ok: number;
    processingFailed: number;
    dropped: number;
    rawObjects: number;
    report: Record<string, string>;
    expected: ReturnType<typeof expectedReport>;
    secondRun: unknown;
  };
  audit: {
    files: number;
    csvRows: number;
    rejectedRows: number;
    loadedRows: number;
    expectedRows: number;
    outcome: unknown;
    secondRun: unknown;
  };
  cloudtrail: {
    events: number;
    hourFiles: number;
    backfill: unknown;
    callsByHour: [string, number][];
    eventsInWindow: number;
  };
  ingestion: { cloudWatchLogs: Record<string, number>; dynamodb: Record<string, number> };
  reportHtml: string;
}

const now = () => new Date();

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
    now: now(),
    trailDays: options.trailDays,
    onEvent: progress,
  });
  const { store, firehose, trailEvents, redshift, services } = session;
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

    // ---------------------------------------------------------------- clickstream
    print(`\n▶ Clickstream: ${options.clickstreamLines} access-log lines through Firehose and the transform`);
    const sample = clickstreamSample(options.clickstreamLines, now());
    for (let i = 0; i < sample.length; i += 500) {
      await firehose.deliver(
        'ClickstreamDeliveryStream',
        sample.slice(i, i + 500).map((r) => Buffer.from(`${r.line}\n`)),
      );
    }
    const delivered = firehose.countsOf('ClickstreamDeliveryStream');
    print(
      `  ${delivered.ok} ok, ${delivered.processingFailed} processing-failed (kept under clickstream-errors/), ${delivered.dropped} dropped, ${delivered.objects} objects [${elapsed()}]`,
    );
    print(
      '  CatalogThenEtlStateMachine (scheduled run): crawl, Glue job on local Spark, Athena SQL on DuckDB',
    );
    const etl = await run('CatalogThenEtlStateMachine', { scheduledTime: now().toISOString() });
    const headline = (etl.output as { headline?: Record<string, string> } | undefined)?.headline ?? {};
    print(`  report: ${JSON.stringify(headline)} [${elapsed()}]`);
    print('  …and again: every hour holds what the first run converted, so nothing to do');
    const etlAgain = await run('CatalogThenEtlStateMachine', { scheduledTime: now().toISOString() });

    // ---------------------------------------------------------------- audit logs
    print(
      `\n▶ Audit logs: 3 customers' exports, aggregated, then one Glue run and a Redshift load per token`,
    );
    const audit = auditSample(now(), options.auditRowsPerCustomer);
    for (const [uri, text] of Object.entries(audit.files)) {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as unknown as [string, string, string];
      store.put(bucket, key, text);
    }
    const batchId = `demo-${now().toISOString().slice(0, 10)}`;
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

    // ---------------------------------------------------------------- CloudTrail
    print(
      `\n▶ CloudTrail: ${trailEvents.length} KMS events over ${options.trailDays} days, backfilled into hourly timeseries`,
    );
    const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
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
    const callsByHour = hourFiles
      .map((o): [string, number] => [
        o.key.split('/').slice(1, 3).join(' '),
        readFileSync(store.path(names.rawBucket, o.key), 'utf8').trim().split('\n').length - 1,
      ])
      .sort(([a], [b]) => (a < b ? -1 : 1));
    print(`  ${hourFiles.length} hourly CSV files under timeseries/ [${elapsed()}]`);

    // ---------------------------------------------------------------- CloudWatch Logs, DynamoDB
    print('\n▶ CloudWatch Logs subscription and DynamoDB stream samples');
    const cwl = loadEvent<{ records: { data: string }[] }>('cloudwatch-logs-transform', 'mixed');
    await firehose.deliver(
      'CloudWatchLogsDeliveryStream',
      cwl.records.map((r) => Buffer.from(r.data, 'base64')),
    );
    await (await loadHandler('DynamoDbStreamForwarderFunction'))(
      loadEvent('dynamodb-stream-forwarder', 'insert-modify-remove'),
      lambdaContext('DynamoDbStreamForwarderFunction'),
    );
    const cwlCounts = { ...firehose.countsOf('CloudWatchLogsDeliveryStream') };
    const ddbCounts = { ...firehose.countsOf('DynamoDbDeliveryStream') };
    print(
      `  CloudWatch Logs: ${cwlCounts.recordsIn} payloads → ${cwlCounts.ok} ok, ${cwlCounts.processingFailed} processing-failed, ${cwlCounts.dropped} dropped`,
    );
    print(`  DynamoDB: ${ddbCounts.recordsIn} changes → ${ddbCounts.objects} objects under dynamodb/`);

    // ---------------------------------------------------------------- API key rotation
    print('\n▶ API key rotation needs AWS CloudFormation: no local stand-in is honest about stack updates.');
    print(
      '  On AWS it would: describe the stack, UpdateStack with UsePreviousTemplate and only Timestamp changed,',
    );
    print(
      '  wait for UPDATE_COMPLETE, then check the usage plan holds exactly the new key (statemachines/api-key-rotation.asl.json).',
    );

    const rawObjects = store.list(names.rawBucket, 'clickstream/').length;
    const summary = queriesOf(services.queries);
    const result: DemoResult = {
      clickstream: {
        lines: sample.length,
        ok: delivered.ok,
        processingFailed: delivered.processingFailed,
        dropped: delivered.dropped,
        rawObjects,
        report: headline,
        expected: expectedReport(sample),
        secondRun: etlAgain.output,
      },
      audit: {
        files: aggregated.files,
        csvRows: aggregated.rows,
        rejectedRows: services.glueRuns
          .filter((g) => g.job === names.auditJob)
          .reduce((sum, g) => sum + g.rejects, 0),
        loadedRows: loaded,
        expectedRows: audit.uniqueValidEvents,
        outcome: completion.output,
        secondRun: duplicate.output,
      },
      cloudtrail: {
        events: trailEvents.length,
        hourFiles: hourFiles.length,
        backfill: backfill.output,
        callsByHour,
        eventsInWindow,
      },
      ingestion: {
        cloudWatchLogs: cwlCounts as unknown as Record<string, number>,
        dynamodb: ddbCounts as unknown as Record<string, number>,
      },
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

function queriesOf(queries: Map<string, { columns: string[]; rows: string[][] }>) {
  const all = [...queries.values()];
  return {
    hourly: all.find((q) => q.columns.includes('status_5xx')),
    topPaths: all.find((q) => q.columns.includes('path_rank')),
  };
}

function printTables(print: (line: string) => void, r: DemoResult) {
  const rows: [
    string,
    string | number,
    string | number,
    string | number,
    string | number,
    string | number,
  ][] = [
    [
      'clickstream',
      r.clickstream.lines,
      r.clickstream.ok,
      r.clickstream.processingFailed,
      r.clickstream.rawObjects,
      r.clickstream.report.requests ?? '-',
    ],
    [
      'audit logs',
      r.audit.csvRows,
      r.audit.loadedRows,
      r.audit.rejectedRows,
      r.audit.files,
      r.audit.loadedRows,
    ],
    ['cloudtrail', r.cloudtrail.events, r.cloudtrail.events, 0, r.cloudtrail.hourFiles, '-'],
    [
      'cloudwatch logs',
      r.ingestion.cloudWatchLogs.recordsIn ?? 0,
      r.ingestion.cloudWatchLogs.ok ?? 0,
      r.ingestion.cloudWatchLogs.processingFailed ?? 0,
      r.ingestion.cloudWatchLogs.objects ?? 0,
      '-',
    ],
    [
      'dynamodb',
      r.ingestion.dynamodb.recordsIn ?? 0,
      r.ingestion.dynamodb.ok ?? 0,
      0,
      r.ingestion.dynamodb.objects ?? 0,
      '-',
    ],
  ];
  const header = ['pipeline', 'records in', 'ok', 'failed', 'files written', 'rows loaded/reported'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => String(c).padEnd(widths[i] as number)).join('  ');
  print('');
  print(line(header));
  print(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) print(line(row));
}
