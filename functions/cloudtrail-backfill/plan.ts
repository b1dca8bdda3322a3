import {
  backfillHours,
  EVENT_HISTORY_DAYS,
  eventSourceOf,
  HOUR_MS,
  lastFullHour,
  parseHour,
} from '../shared/cloudtrail/hours';
import { InvalidInputError } from '../shared/errors';

/** CloudTrail's event history (LookupEvents) reaches back that far. */
export const MAX_BACKFILL_DAYS = EVENT_HISTORY_DAYS;

export class BackfillValidationError extends InvalidInputError {
  override readonly name = 'BackfillValidationError';
}

export interface BackfillRequest {
  readonly service: string;
  readonly days: number;
  /** The hours collected end just before this instant (on the hour). */
  readonly end: Date;
  readonly hours: Date[];
}

/** `{ service?, days? = 14, end? }` → the hours to backfill; anything malformed is a named error. */
export function parseBackfillRequest(input: unknown, defaultService: string, now: Date): BackfillRequest {
  if (input !== null && (typeof input !== 'object' || Array.isArray(input)))
    throw new BackfillValidationError('the request must be a JSON object');
  const request = (input ?? {}) as { service?: unknown; days?: unknown; end?: unknown };
  const service = request.service ?? defaultService;
  if (typeof service !== 'string')
    throw new BackfillValidationError('service must be a string such as "kms"');
  try {
    eventSourceOf(service);
  } catch (error) {
    throw new BackfillValidationError((error as Error).message);
  }
  const days = request.days ?? 14;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_BACKFILL_DAYS) {
    throw new BackfillValidationError(
      `days must be a whole number from 1 to ${MAX_BACKFILL_DAYS} (CloudTrail keeps 90 days of events), got ${JSON.stringify(days)}`,
    );
  }
  let end: Date;
  try {
    end =
      request.end === undefined ? new Date(lastFullHour(now).getTime() + HOUR_MS) : parseHour(request.end);
  } catch (error) {
    throw new BackfillValidationError((error as Error).message);
  }
  if (end.getTime() > now.getTime())
    throw new BackfillValidationError(`end ${end.toISOString()} is in the future`);
  const hours = backfillHours(end, days);
  const oldest = now.getTime() - MAX_BACKFILL_DAYS * 24 * HOUR_MS;
  if ((hours[0] as Date).getTime() < oldest) {
    throw new BackfillValidationError(
      `the backfill would start before CloudTrail's 90-day window (${new Date(oldest).toISOString()})`,
    );
  }
  return { service, days, end, hours };
}

export interface DayPlan {
  readonly service: string;
  readonly day: string;
  readonly hours: string[];
}

/** The hours still missing, grouped by UTC day: one LookupEvents paging per day. */
export function planDays(request: BackfillRequest, written: ReadonlySet<number>): DayPlan[] {
  const byDay = new Map<string, string[]>();
  for (const hour of request.hours) {
    if (written.has(hour.getTime())) continue;
    const day = hour.toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), hour.toISOString().replace('.000Z', 'Z')]);
  }
  return [...byDay].map(([day, hours]) => ({ service: request.service, day, hours }));
}

export interface DayResult {
  readonly hoursWritten: number;
  /** Hours whose Calls metrics CloudWatch took (at most two weeks old): what the anomaly model sees. */
  readonly hoursMetered: number;
  readonly events: number;
  /** Events without an EventTime, which no hour's file holds. */
  readonly eventsWithoutTime: number;
  readonly pages: number;
}

export function summarise(plan: { service: string; hoursSkipped: number }, results: readonly DayResult[]) {
  const hoursWritten = results.reduce((sum, r) => sum + r.hoursWritten, 0);
  const hoursMetered = results.reduce((sum, r) => sum + r.hoursMetered, 0);
  return {
    service: plan.service,
    hoursWritten,
    // The anomaly alarms learn from the metered hours only; older ones are in the CSV timeseries.
    hoursMetered,
    hoursNotMetered: hoursWritten - hoursMetered,
    hoursSkipped: plan.hoursSkipped,
    events: results.reduce((sum, r) => sum + r.events, 0),
    eventsWithoutTime: results.reduce((sum, r) => sum + r.eventsWithoutTime, 0),
    lookupEventsPages: results.reduce((sum, r) => sum + r.pages, 0),
    days: results.length,
  };
}
