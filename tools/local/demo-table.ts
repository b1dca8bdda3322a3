import type { DemoResult } from './demo';

/** One pipeline's line of the demo's table: what went in, and where each of it went. */
export interface ReconciledRow {
  pipeline: string;
  /** What is counted: lines, rows, events… */
  unit: string;
  in: number;
  ok: number;
  failed: number;
  /** Neither ok nor failed, by design: what `skippedAs` says. */
  skipped: number;
  skippedAs: string;
  /** Objects written to the lake (and to its error prefixes). */
  files: string;
}

/**
 * The demo's numbers per pipeline, each from what happened (the delivery streams' counts, the
 * Glue runs, the rows in Redshift, the hour files), so that in = ok + failed + skipped holds
 * only if nothing was lost or counted twice: `tests/demo` checks it.
 */
export function reconciledRows(r: DemoResult): ReconciledRow[] {
  const rows: ReconciledRow[] = [];
  const { clickstream: click, audit, cloudtrail: trail, ingestion } = r;
  if (click)
    rows.push({
      pipeline: 'clickstream',
      unit: 'lines',
      in: click.lines,
      ok: click.ok,
      failed: click.processingFailed,
      skipped: click.dropped,
      skippedAs: 'blank (Dropped)',
      files: `${click.rawObjects} + ${click.errorObjects} errors`,
    });
  if (click)
    rows.push({
      pipeline: 'search index',
      unit: 'documents',
      in: click.ok,
      ok: click.search.documentsIndexed,
      failed: click.search.documentsBackedUp,
      skipped: 0,
      skippedAs: '-',
      files: `${click.search.objectsForwarded} objects forwarded`,
    });
  if (audit)
    rows.push({
      pipeline: 'audit logs',
      unit: 'rows',
      in: audit.csvRows,
      ok: audit.loadedRows,
      failed: audit.rejectedRows,
      skipped: audit.duplicateRows,
      skippedAs: 'same event id again (merged)',
      files: `${audit.files} exports`,
    });
  if (trail)
    rows.push({
      pipeline: 'cloudtrail',
      unit: 'events',
      in: trail.events,
      ok: trail.callsByHour.reduce((sum, [, n]) => sum + n, 0),
      failed: trail.eventsWithoutTime,
      skipped: trail.eventsOutsideWindow,
      skippedAs: 'outside the backfill window',
      files: `${trail.hourFiles} hour files`,
    });
  if (ingestion) {
    const logs = ingestion.cloudWatchLogs;
    rows.push({
      pipeline: 'cloudwatch logs',
      unit: 'payloads',
      in: logs.recordsIn ?? 0,
      ok: logs.ok ?? 0,
      failed: logs.processingFailed ?? 0,
      skipped: logs.dropped ?? 0,
      skippedAs: 'control messages (Dropped)',
      files: `${logs.objects ?? 0}`,
    });
    const central = ingestion.centralLogging;
    rows.push({
      pipeline: 'central logs',
      unit: 'payloads',
      in: central.payloads,
      ok: central.delivered,
      failed: central.failed,
      skipped: central.refused + central.excluded.reduce((sum, e) => sum + e.payloads, 0),
      skippedAs: "loglake's own log groups (excluded)",
      files: `${central.objects} in ${central.byAccount.filter((a) => a.objects > 0).length} accounts`,
    });
    rows.push({
      pipeline: 'dynamodb',
      unit: 'changes',
      in: ingestion.dynamodbChanges.in,
      ok: ingestion.dynamodbChanges.forwarded,
      failed: ingestion.dynamodbChanges.failed,
      skipped: 0,
      skippedAs: '-',
      files: `${ingestion.dynamodb.objects ?? 0}`,
    });
  }
  return rows;
}

export const TABLE_HEADER = ['pipeline', 'in', 'ok', 'failed', 'skipped', 'skipped because', 'files written'];

export function tableCells(row: ReconciledRow): string[] {
  return [
    row.pipeline,
    `${row.in} ${row.unit}`,
    String(row.ok),
    String(row.failed),
    String(row.skipped),
    row.skippedAs,
    row.files,
  ];
}
