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
  const trailOk = r.cloudtrail.callsByHour.reduce((sum, [, n]) => sum + n, 0);
  return [
    {
      pipeline: 'clickstream',
      unit: 'lines',
      in: r.clickstream.lines,
      ok: r.clickstream.ok,
      failed: r.clickstream.processingFailed,
      skipped: r.clickstream.dropped,
      skippedAs: 'blank (Dropped)',
      files: `${r.clickstream.rawObjects} + ${r.clickstream.errorObjects} errors`,
    },
    {
      pipeline: 'audit logs',
      unit: 'rows',
      in: r.audit.csvRows,
      ok: r.audit.loadedRows,
      failed: r.audit.rejectedRows,
      skipped: r.audit.duplicateRows,
      skippedAs: 'same event id again (merged)',
      files: `${r.audit.files} exports`,
    },
    {
      pipeline: 'cloudtrail',
      unit: 'events',
      in: r.cloudtrail.events,
      ok: trailOk,
      failed: r.cloudtrail.eventsWithoutTime,
      skipped: r.cloudtrail.eventsOutsideWindow,
      skippedAs: 'outside the backfill window',
      files: `${r.cloudtrail.hourFiles} hour files`,
    },
    {
      pipeline: 'cloudwatch logs',
      unit: 'payloads',
      in: r.ingestion.cloudWatchLogs.recordsIn ?? 0,
      ok: r.ingestion.cloudWatchLogs.ok ?? 0,
      failed: r.ingestion.cloudWatchLogs.processingFailed ?? 0,
      skipped: r.ingestion.cloudWatchLogs.dropped ?? 0,
      skippedAs: 'control messages (Dropped)',
      files: `${r.ingestion.cloudWatchLogs.objects ?? 0}`,
    },
    {
      pipeline: 'dynamodb',
      unit: 'changes',
      in: r.ingestion.dynamodbChanges.in,
      ok: r.ingestion.dynamodbChanges.forwarded,
      failed: r.ingestion.dynamodbChanges.failed,
      skipped: 0,
      skippedAs: '-',
      files: `${r.ingestion.dynamodb.objects ?? 0}`,
    },
  ];
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
