import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DemoResult, runDemo } from '../../tools/local/demo';

/**
 * A reduced `make demo`: every pipeline on sample data, through the real handlers, state
 * machines, Glue transforms (local Spark), Athena SQL (DuckDB) and Redshift SQL (PostgreSQL),
 * with the results checked against numbers computed from the samples alone.
 */
let result: DemoResult;
const printed: string[] = [];

beforeAll(async () => {
  result = await runDemo({
    outDir: mkdtempSync(join(tmpdir(), 'loglake-demo-')),
    clickstreamLines: 800,
    auditRowsPerCustomer: 30,
    trailDays: 2,
    print: (line) => printed.push(line),
  });
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

  it('writes an HTML report with the charts and says what it ran', () => {
    const html = readFileSync(result.reportHtml, 'utf8');

    expect(existsSync(result.reportHtml)).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(printed.some((line) => line.includes('CatalogThenEtlStateMachine › Run Glue job'))).toBe(true);
    expect(printed.some((line) => line.startsWith('pipeline'))).toBe(true);
  });
});
