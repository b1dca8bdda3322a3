import { createHash } from 'node:crypto';

/**
 * What in the raw zone no run has converted yet. Runs track objects, not times: a successful run
 * records, for each hour it converted, a fingerprint of the hour's objects (how many, and a
 * digest of their keys), and a scheduled run converts every hour of its window whose objects
 * differ from what was recorded. An object that lands in an hour already converted (a late
 * record, or an upload whose LastModified is older than objects listed before it) changes
 * that hour's fingerprint, so the next run converts the hour again: nothing is skipped because
 * of when it was listed. A manual run converts every hour of its range that holds objects.
 */

/** `2026-11-22T13` → `clickstream/year=2026/month=11/day=22/hour=13/` (Firehose's prefix). */
export function rawPrefix(hour: string): string {
  return `clickstream/year=${hour.slice(0, 4)}/month=${hour.slice(5, 7)}/day=${hour.slice(8, 10)}/hour=${hour.slice(11, 13)}/`;
}

export interface HourListing {
  readonly hour: string;
  /** The keys of the objects under the hour's prefix. */
  readonly keys: readonly string[];
}

/** Hour → fingerprint of its objects when a run converted it. */
export type ConvertedHours = Readonly<Record<string, string>>;

/** The record of converted hours as the state item holds it: a DynamoDB map of strings. */
export interface ConvertedAttribute {
  readonly M: Record<string, { S: string }>;
}

export interface ScanResult {
  readonly hours: readonly string[];
  /** `--hours` for the Glue job. */
  readonly hoursArgument: string;
  /** Objects in the hours to convert. */
  readonly objects: number;
  /** Hours converted before whose objects changed since: what a time-based mark would have missed. */
  readonly lateHours: readonly string[];
  /** What to record once this run succeeds: the earlier record and this run's hours, from `keepFrom` on. */
  readonly converted: ConvertedAttribute;
}

export function fingerprint(keys: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...keys].sort().join('\n'))
    .digest('hex');
  return `${keys.length}:${digest.slice(0, 16)}`;
}

export const convertedHours = (
  attribute: { M?: Record<string, { S?: string }> } | undefined,
): ConvertedHours =>
  Object.fromEntries(
    Object.entries(attribute?.M ?? {}).flatMap(([hour, value]) =>
      typeof value?.S === 'string' ? [[hour, value.S]] : [],
    ),
  );

export function newRawData(
  listings: readonly HourListing[],
  mode: 'scheduled' | 'manual',
  recorded: ConvertedHours,
  /** The first hour a scheduled run still looks at: older entries are dropped from the record. */
  keepFrom: string,
): ScanResult {
  const hours: string[] = [];
  const lateHours: string[] = [];
  const next: Record<string, string> = Object.fromEntries(
    Object.entries(recorded).filter(([hour]) => hour >= keepFrom),
  );
  let objects = 0;
  for (const { hour, keys } of listings) {
    if (keys.length === 0) continue;
    const now = fingerprint(keys);
    const before = recorded[hour];
    if (mode === 'scheduled' && before === now) continue;
    if (before !== undefined && before !== now) lateHours.push(hour);
    hours.push(hour);
    objects += keys.length;
    if (hour >= keepFrom) next[hour] = now;
  }
  hours.sort();
  lateHours.sort();
  return {
    hours,
    hoursArgument: hours.join(','),
    objects,
    lateHours,
    converted: { M: Object.fromEntries(Object.entries(next).map(([hour, value]) => [hour, { S: value }])) },
  };
}
