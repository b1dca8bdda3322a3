/**
 * What is new in the raw zone. The high-water mark is the newest LastModified a successful run
 * saw; a scheduled run converts the hours holding an object newer than it. A manual run takes
 * every hour of its range that holds objects. The mark never moves back.
 */

export const EPOCH = '1970-01-01T00:00:00.000Z';

/** `2026-11-22T13` → `clickstream/year=2026/month=11/day=22/hour=13/` (Firehose's prefix). */
export function rawPrefix(hour: string): string {
  return `clickstream/year=${hour.slice(0, 4)}/month=${hour.slice(5, 7)}/day=${hour.slice(8, 10)}/hour=${hour.slice(11, 13)}/`;
}

export interface HourListing {
  readonly hour: string;
  /** LastModified of each object under the hour's prefix, ISO-8601. */
  readonly lastModified: readonly string[];
}

export interface ScanResult {
  readonly hours: readonly string[];
  /** `--hours` for the Glue job. */
  readonly hoursArgument: string;
  readonly objects: number;
  readonly highWaterMark: string;
  readonly newHighWaterMark: string;
}

export function newRawData(
  listings: readonly HourListing[],
  mode: 'scheduled' | 'manual',
  highWaterMark: string = EPOCH,
): ScanResult {
  const mark = Date.parse(highWaterMark);
  let newest = mark;
  let objects = 0;
  const hours: string[] = [];
  for (const { hour, lastModified } of listings) {
    const times = lastModified.map((t) => Date.parse(t));
    const fresh = mode === 'manual' ? times : times.filter((t) => t > mark);
    if (fresh.length > 0) {
      hours.push(hour);
      objects += fresh.length;
    }
    for (const t of times) newest = Math.max(newest, t);
  }
  hours.sort();
  return {
    hours,
    hoursArgument: hours.join(','),
    objects,
    highWaterMark: new Date(mark).toISOString(),
    newHighWaterMark: new Date(newest).toISOString(),
  };
}
