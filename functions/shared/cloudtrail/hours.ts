import { InvalidInputError } from '../errors';

/**
 * Which hours a run collects and where their files go. Pure: no I/O.
 * An hour is named by its start (UTC): the events of 13:00:00–13:59:59 are hour 13:00.
 */

export const HOUR_MS = 3_600_000;

export class InvalidRequestError extends InvalidInputError {
  override readonly name = 'InvalidRequestError';
}

/** Service names as CloudTrail's event sources use them: `kms`, `s3`, `dynamodb`, `execute-api`… */
const SERVICE = /^[a-z][a-z0-9-]{1,62}$/;

export function eventSourceOf(service: string): string {
  if (!SERVICE.test(service))
    throw new InvalidRequestError(`service ${JSON.stringify(service)} is not an AWS service name`);
  return `${service}.amazonaws.com`;
}

/** The start of the most recent hour that has fully passed at `now`. */
/**
 * LookupEvents answers from CloudTrail's event history, the last 90 days
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html).
 */
export const EVENT_HISTORY_DAYS = 90;

export function lastFullHour(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS);
}

/** `2026-11-22T13:00:00Z` (or any ISO instant on the hour) → that hour; anything else is an error. */
export function parseHour(value: unknown): Date {
  const date =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:00(:00(\.0+)?)?(Z|[+-]00:?00)$/.test(value)
      ? new Date(value)
      : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.getTime() % HOUR_MS !== 0) {
    throw new InvalidRequestError(
      `hour ${JSON.stringify(value)} must be an ISO-8601 UTC hour such as 2026-11-22T13:00:00Z`,
    );
  }
  return date;
}

/** `2026-11-21` → its 24 hours. */
export function hoursOfDay(day: unknown): Date[] {
  const start =
    typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T00:00:00Z`) : undefined;
  if (!start || Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== day) {
    throw new InvalidRequestError(`day ${JSON.stringify(day)} must be a date such as 2026-11-21`);
  }
  return Array.from({ length: 24 }, (_, h) => new Date(start.getTime() + h * HOUR_MS));
}

const pad = (n: number) => String(n).padStart(2, '0');
export const yyyymmdd = (hour: Date) =>
  `${hour.getUTCFullYear()}${pad(hour.getUTCMonth() + 1)}${pad(hour.getUTCDate())}`;
export const hhmm = (hour: Date) => `${pad(hour.getUTCHours())}00`;

/** `timeseries/YYYYMMDD/HHMM/<service>-timeseries-YYYYMMDD-HHMM.csv`: the existing layout, keyed by the hour collected. */
export function timeseriesKey(service: string, hour: Date): string {
  return `timeseries/${yyyymmdd(hour)}/${hhmm(hour)}/${service}-timeseries-${yyyymmdd(hour)}-${hhmm(hour)}.csv`;
}

/** The per-hour aggregate beside it, under its own prefix so a crawler never mixes the two schemas. */
export function aggregateKey(service: string, hour: Date): string {
  return `timeseries-aggregated/${yyyymmdd(hour)}/${hhmm(hour)}/${service}-calls-${yyyymmdd(hour)}-${hhmm(hour)}.csv`;
}

/** The hours a backfill covers: `days` whole days ending with the hour before `end`. */
export function backfillHours(end: Date, days: number): Date[] {
  return Array.from({ length: days * 24 }, (_, i) => new Date(end.getTime() - (days * 24 - i) * HOUR_MS));
}
