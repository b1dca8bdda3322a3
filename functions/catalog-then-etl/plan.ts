import { InvalidInputError } from '../shared/errors';

/**
 * Which request hours a catalog-then-ETL run covers. A scheduled run looks back a fixed number
 * of hours (late raw objects land in the hour they were requested, not the hour they arrived);
 * a manual run names an explicit range and reprocesses it whole.
 */

export class RunRequestError extends InvalidInputError {
  override readonly name = 'RunRequestError';
}

export const HOUR_MS = 3_600_000;
/** A manual range is at most a week of hours. */
export const MAX_MANUAL_HOURS = 168;
/** The longest a run may hold the run lock; the state machine times out before it. */
export const LEASE_MS = 6 * HOUR_MS;

/** `YYYY-MM-DDTHH`: how a run names a request hour. */
export const HOUR_KEY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;

export interface RunPlan {
  readonly mode: 'scheduled' | 'manual';
  /** `YYYY-MM-DDTHH`, ascending. */
  readonly hours: readonly string[];
  /**
   * Every run converts whole hours and replaces them: an hour that got another object is read
   * again in full, so no bookmark decides (by time) what is new.
   */
  readonly writeMode: 'overwrite';
  readonly bookmarkOption: 'job-bookmark-disable';
  readonly now: string;
  readonly leaseUntil: string;
}

export const hourKey = (time: Date) => time.toISOString().slice(0, 13);

function parseHourKey(value: unknown, field: string): Date {
  const match = typeof value === 'string' ? HOUR_KEY.exec(value) : null;
  const time = match ? new Date(`${value}:00:00Z`) : new Date(Number.NaN);
  if (!match || Number.isNaN(time.getTime()) || hourKey(time) !== value) {
    throw new RunRequestError(`${field} ${JSON.stringify(value)} must be an hour, YYYY-MM-DDTHH (UTC)`);
  }
  return time;
}

function hoursBetween(first: Date, last: Date): string[] {
  const hours: string[] = [];
  for (let t = first.getTime(); t <= last.getTime(); t += HOUR_MS) hours.push(hourKey(new Date(t)));
  return hours;
}

export function planRun(input: unknown, now: Date, lookbackHours: number): RunPlan {
  const request = (input ?? {}) as Record<string, unknown>;
  if (typeof request !== 'object' || Array.isArray(request)) {
    throw new RunRequestError('the input must be a JSON object');
  }
  const lease = { now: now.toISOString(), leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString() };
  if (request.from !== undefined || request.to !== undefined) {
    const first = parseHourKey(request.from, 'from');
    const last = parseHourKey(request.to, 'to');
    if (last < first) throw new RunRequestError(`to ${request.to} is before from ${request.from}`);
    if (last.getTime() > now.getTime()) throw new RunRequestError(`to ${request.to} is in the future`);
    const hours = hoursBetween(first, last);
    if (hours.length > MAX_MANUAL_HOURS) {
      throw new RunRequestError(`from..to spans ${hours.length} hours; at most ${MAX_MANUAL_HOURS} per run`);
    }
    return {
      mode: 'manual',
      hours,
      writeMode: 'overwrite',
      bookmarkOption: 'job-bookmark-disable',
      ...lease,
    };
  }
  const scheduled = request.scheduledTime === undefined ? now : new Date(String(request.scheduledTime));
  if (Number.isNaN(scheduled.getTime())) {
    throw new RunRequestError(`scheduledTime ${JSON.stringify(request.scheduledTime)} is not a timestamp`);
  }
  const last = new Date(Math.floor(scheduled.getTime() / HOUR_MS) * HOUR_MS);
  const first = new Date(last.getTime() - (lookbackHours - 1) * HOUR_MS);
  return {
    mode: 'scheduled',
    hours: hoursBetween(first, last),
    writeMode: 'overwrite',
    bookmarkOption: 'job-bookmark-disable',
    ...lease,
  };
}
