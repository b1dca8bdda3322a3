import { csvField } from '../shared/csv';

/** The fields of a CloudTrail LookupEvents event this timeseries keeps. */
export interface TrailEvent {
  EventId?: string;
  EventName?: string;
  ReadOnly?: string;
  AccessKeyId?: string;
  EventTime?: Date;
  EventSource?: string;
  Username?: string;
}

export const TIMESERIES_HEADER =
  'EventTime,EventId,EventSource,EventName,ReadOnly,AccessKeyId,Username,Calls,Date';
export const AGGREGATE_HEADER = 'Date,EventName,ReadOnly,Username,Calls';

/** A value as the seed wrote it: `none` when missing, quoted when RFC 4180 requires it. */
function field(value: string | undefined): string {
  return csvField(value === undefined || value === '' ? 'none' : value);
}

/** `2026-11-22 13:05:09` (UTC), the seed's Date column. */
function dateColumn(time: Date): string {
  return time.toISOString().slice(0, 19).replace('T', ' ');
}

/** One row per event, in the columns existing readers expect: EventTime with its offset, Date without, Calls 1. */
export function timeseriesCsv(events: readonly TrailEvent[]): string {
  let out = `${TIMESERIES_HEADER}\n`;
  for (const e of events) {
    const time = e.EventTime as Date;
    out += `${dateColumn(time)}+00:00,${field(e.EventId)},${field(e.EventSource)},${field(e.EventName)},${field(e.ReadOnly)},${field(e.AccessKeyId)},${field(e.Username)},1,${dateColumn(time)}\n`;
  }
  return out;
}

/** Calls per (EventName, ReadOnly, Username) in the hour, most calls first: the metric-style view. */
export function aggregateCsv(hour: Date, events: readonly TrailEvent[]): string {
  const calls = new Map<string, { name: string; readOnly: string; user: string; calls: number }>();
  for (const e of events) {
    const [name, readOnly, user] = [field(e.EventName), field(e.ReadOnly), field(e.Username)];
    const key = `${name}\u0000${readOnly}\u0000${user}`;
    const entry = calls.get(key) ?? { name, readOnly, user, calls: 0 };
    entry.calls++;
    calls.set(key, entry);
  }
  const date = dateColumn(hour);
  const rows = [...calls.values()].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  return `${AGGREGATE_HEADER}\n${rows.map((r) => `${date},${r.name},${r.readOnly},${r.user},${r.calls}\n`).join('')}`;
}

/**
 * Calls per event name for metrics: the `topN` busiest names and `other` for the rest, so
 * the number of CloudWatch series (and their cost) stays bounded whatever a service emits.
 */
export function callsByEventName(events: readonly TrailEvent[], topN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.EventName ?? 'none', (counts.get(e.EventName ?? 'none') ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = new Map(ranked.slice(0, topN));
  const other = ranked.slice(topN).reduce((sum, [, n]) => sum + n, 0);
  if (other > 0) top.set('other', other);
  return top;
}
