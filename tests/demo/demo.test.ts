import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { type DemoResult, runDemo } from '../../tools/local/demo';
import { reconciledRows } from '../../tools/local/demo-table';
import { renderReport } from '../../tools/local/screenshot';

/**
 * A reduced `make demo`: every pipeline on sample data, through the real handlers, state
 * machines, Glue transforms (local Spark), Athena SQL (DuckDB) and Redshift SQL (PostgreSQL),
 * with the results checked against numbers computed from the samples alone.
 */
let result: Required<DemoResult>;
const printed: string[] = [];
const outDir = mkdtempSync(join(tmpdir(), 'loglake-demo-'));

beforeAll(async () => {
  const ran = await runDemo({
    outDir,
    clickstreamLines: 800,
    auditRowsPerCustomer: 30,
    trailDays: 2,
    now: new Date('2026-11-22T14:00:00Z'),
    print: (line) => printed.push(line),
  });
  const { clickstream, audit, cloudtrail, ingestion } = ran;
  if (!clickstream || !audit || !cloudtrail || !ingestion) throw new Error('the demo skipped a pipeline');
  result = { ...ran, clickstream, audit, cloudtrail, ingestion };
}, 240_000);

describe('make demo (reduced)', () => {
  it('reports the clickstream with the numbers the sample holds', () => {
    const { expected, report } = result.clickstream;

    expect(result.clickstream.processingFailed).toBe(expected.malformed);
    expect(result.clickstream.ok).toBe(expected.requests);
    expect(report).toEqual({
      requests: String(expected.requests),
      status5xx: String(expected.status5xx),
      pageViews: String(expected.pageViews),
      signUps: String(expected.signUps),
      signIns: String(expected.signIns),
      distinctUsers: String(expected.distinctUsers),
    });
    expect(result.clickstream.secondRun).toMatchObject({ outcome: 'NothingNew' });
  });

  it('indexes the clickstream into a real OpenSearch node, and the dashboards count what Athena counts', () => {
    const { search, report, ok } = result.clickstream;
    const value = (id: string) =>
      search.visualizations.find((v) => v.id === `loglake-clickstream-${id}`)?.rows[0]?.value;
    const classes =
      search.visualizations.find((v) => v.id === 'loglake-clickstream-status-classes')?.rows ?? [];

    expect([search.documentsIndexed, search.documentsBackedUp]).toEqual([ok, 0]);
    expect({
      requests: String(classes.reduce((sum, r) => sum + r.value, 0)),
      status5xx: String(classes.find((r) => r.keys[0] === '500.0-600.0')?.value),
      pageViews: String(value('page-views')),
      signUps: String(value('sign-ups')),
      signIns: String(value('sign-ins')),
      distinctUsers: String(value('distinct-usernames')),
    }).toEqual(report);
    expect(readFileSync(result.reportHtml, 'utf8')).toContain(
      'Search: the dashboards on a local OpenSearch node',
    );
  });

  it('loads every unique, typable audit event into the database once, and ignores the duplicate token', () => {
    expect(result.audit.loadedRows).toBe(result.audit.expectedRows);
    // One row per customer cannot be typed: it is kept under rejects/, not loaded.
    expect(result.audit.rejectedRows).toBe(3);
    expect(result.audit.outcome).toMatchObject({ rowsInserted: result.audit.expectedRows, rowsUpdated: 0 });
    expect(result.audit.secondRun).toMatchObject({ outcome: 'AlreadyClaimed', claimStatus: 'DONE' });
  });

  it('writes one CloudTrail timeseries row per sample event of the backfilled day', () => {
    expect(result.cloudtrail.callsByHour.reduce((sum, [, n]) => sum + n, 0)).toBe(
      result.cloudtrail.eventsInWindow,
    );
    expect(result.cloudtrail.eventsInWindow).toBeGreaterThan(0);
    expect(result.cloudtrail.backfill).toMatchObject({ service: 'kms' });
  });

  it('sends the CloudWatch Logs and DynamoDB samples through their functions into the raw zone', () => {
    expect(result.ingestion.cloudWatchLogs).toMatchObject({
      recordsIn: 4,
      ok: 2,
      processingFailed: 1,
      dropped: 1,
    });
    expect(result.ingestion.dynamodb.objects).toBeGreaterThan(0);
  });

  it("centralises three accounts' logs and this one's, by account, without loglake's own log groups", () => {
    const central = result.ingestion.centralLogging;
    const lake = join(outDir, 's3', 'loglake-test-rawbucket', 'cloudwatch-logs');

    expect(central.byAccount.map((a) => [a.account, a.via])).toEqual([
      ['111111111111', 'destination'],
      ['222222222222', 'destination'],
      ['333333333333', 'destination'],
      ['123456789012', 'account policy'],
    ]);
    for (const a of central.byAccount) {
      expect(a.eventsStored).toBe(a.eventsSent);
      expect(a.eventsSent).toBeGreaterThan(0);
      expect(readdirSync(lake)).toContain(`account=${a.account}`);
    }
    expect(central.excluded.map((e) => e.logGroup)).toEqual(
      expect.arrayContaining(['/aws/lambda/loglake-dev-cloudwatch-logs-transform']),
    );
    expect(readdirSync(join(lake, 'account=123456789012')).filter((g) => g.includes('loglake'))).toEqual([]);
    expect(readFileSync(result.reportHtml, 'utf8')).toContain('Central logging: volume per source account');
  });

  it('writes an HTML report with the charts and says what it ran', () => {
    const html = readFileSync(result.reportHtml, 'utf8');

    expect(existsSync(result.reportHtml)).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(printed.some((line) => line.includes('CatalogThenEtlStateMachine › Run Glue job'))).toBe(true);
    expect(printed.some((line) => line.startsWith('pipeline'))).toBe(true);
    // The rotation's real change-set logic on the recorded change sets: one runs, one is refused.
    expect(
      printed.filter((line) =>
        line.includes('(keyOnly): would execute: IngestionApiPipeline/ClickstreamApiKey'),
      ),
    ).toHaveLength(1);
    expect(
      printed.filter((line) =>
        line.includes('(afterSamRelease): would refuse (ApiKeyRotation.ForeignChanges)'),
      ),
    ).toHaveLength(1);
  });

  it('reconciles every pipeline: what went in is ok, failed or skipped, each count from what happened', () => {
    const rows = reconciledRows(result);

    expect(rows.map((r) => r.pipeline)).toEqual([
      'clickstream',
      'search index',
      'audit logs',
      'cloudtrail',
      'cloudwatch logs',
      'central logs',
      'dynamodb',
    ]);
    for (const row of rows)
      expect([row.pipeline, row.ok + row.failed + row.skipped]).toEqual([row.pipeline, row.in]);
    const byName = Object.fromEntries(rows.map((r) => [r.pipeline, r]));
    // Against the samples alone: the duplicated export rows, the events outside the window, the 3 changes.
    expect(byName['audit logs']?.skipped).toBe(result.audit.csvRows - 3 - result.audit.expectedRows);
    expect(byName.cloudtrail?.ok).toBe(result.cloudtrail.eventsInWindow);
    expect(byName.cloudtrail?.skipped).toBeGreaterThan(0);
    expect(byName.dynamodb).toMatchObject({ in: 3, ok: 3, failed: 0 });
  });

  it("says in the report why records failed, with the transform's reason and the original lines", () => {
    const html = readFileSync(result.reportHtml, 'utf8');
    const clickstream = result.failures.filter((f) => f.pipeline === 'clickstream');

    expect(clickstream.reduce((sum, f) => sum + f.count, 0)).toBe(result.clickstream.processingFailed);
    expect(clickstream.map((f) => f.reason)).toContain(
      'line does not match the common, combined or clickstream format',
    );
    expect(result.failures.find((f) => f.pipeline === 'cloudwatch-logs')?.count).toBe(1);
    for (const f of result.failures)
      expect(html).toContain(f.reason.replace(/'/g, '&#39;').replace(/"/g, '&quot;'));
    for (const pipeline of ['clickstream', 'audit logs', 'cloudtrail', 'cloudwatch logs', 'dynamodb'])
      expect(html).toContain(`<td>${pipeline}</td>`);
  });

  it('renders in headless Chromium: both charts at full size, nothing scrolls sideways, the colours drawn', async () => {
    const rendering = await renderReport(result.reportHtml);
    const image = PNG.sync.read(rendering.png);
    const colours = new Set<number>();
    let inked = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [r = 0, g = 0, b = 0] = image.data.subarray(i, i + 3);
      colours.add((r << 16) | (g << 8) | b);
      if (r + g + b < 600) inked += 1;
    }

    expect(rendering.charts).toEqual([
      { title: 'Requests per hour by status class', width: 640, height: 280 },
      { title: 'CloudTrail calls per hour', width: 640, height: 240 },
    ]);
    expect(rendering.scrollWidth).toBeLessThanOrEqual(rendering.viewportWidth);
    expect(image.height).toBeGreaterThan(1500);
    // The 2xx bars and the CloudTrail line, in the colours the charts draw them.
    expect(colours).toContain(0x2e7d32);
    expect(colours).toContain(0x6a1b9a);
    expect(inked / (image.width * image.height)).toBeGreaterThan(0.02);
  }, 60_000);
});

describe('make demo PIPELINE=cloudtrail', () => {
  let only: DemoResult;

  beforeAll(async () => {
    only = await runDemo({
      outDir: mkdtempSync(join(tmpdir(), 'loglake-demo-one-')),
      clickstreamLines: 10,
      auditRowsPerCustomer: 3,
      trailDays: 2,
      now: new Date('2026-11-22T14:00:00Z'),
      pipelines: ['cloudtrail'],
      print: () => {},
    });
  }, 120_000);

  it('runs that pipeline alone, and reports and reconciles it alone', () => {
    expect([only.clickstream, only.audit, only.ingestion]).toEqual([undefined, undefined, undefined]);
    expect(only.cloudtrail?.hourFiles).toBeGreaterThan(0);
    expect(reconciledRows(only).map((r) => r.pipeline)).toEqual(['cloudtrail']);
    expect(readFileSync(only.reportHtml, 'utf8')).not.toContain('Clickstream report');
  });
});
