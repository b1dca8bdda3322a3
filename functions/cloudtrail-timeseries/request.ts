import {
  EVENT_HISTORY_DAYS,
  eventSourceOf,
  HOUR_MS,
  hoursOfDay,
  InvalidRequestError,
  lastFullHour,
  parseHour,
} from '../shared/cloudtrail/hours';

export type TimeseriesRequest =
  | { readonly mode: 'hour'; readonly service: string; readonly hours: [Date] }
  | { readonly mode: 'day'; readonly service: string; readonly day: string; readonly hours: Date[] };

/**
 * `{ service?, hour? }` collects one hour (default: the last full hour); `{ service?, day,
 * hours? }` collects the listed hours (default all 24) of a day in one paging of
 * LookupEvents, as the backfill workflow asks. The service defaults to the stack's.
 */
export function parseRequest(event: unknown, defaultService: string, now: Date): TimeseriesRequest {
  if (event !== null && (typeof event !== 'object' || Array.isArray(event)))
    throw new InvalidRequestError('the request must be a JSON object');
  const input = (event ?? {}) as {
    service?: unknown;
    hour?: unknown;
    day?: unknown;
    hours?: unknown;
    time?: unknown;
    'detail-type'?: unknown;
  };
  const service = input.service === undefined ? defaultService : input.service;
  if (typeof service !== 'string') throw new InvalidRequestError('service must be a string such as "kms"');
  eventSourceOf(service);
  if (input.day === undefined) {
    const hour = input.hour === undefined ? lastFullHour(scheduledAt(input, now)) : parseHour(input.hour);
    if (hour.getTime() + HOUR_MS > now.getTime())
      throw new InvalidRequestError(`hour ${hour.toISOString()} has not ended yet`);
    if (hour.getTime() < now.getTime() - EVENT_HISTORY_DAYS * 24 * HOUR_MS)
      throw new InvalidRequestError(
        `hour ${hour.toISOString()} is older than the ${EVENT_HISTORY_DAYS} days of CloudTrail event history`,
      );
    return { mode: 'hour', service, hours: [hour] };
  }
  const day = hoursOfDay(input.day);
  let hours = day;
  if (input.hours !== undefined) {
    if (!Array.isArray(input.hours) || input.hours.length === 0) {
      throw new InvalidRequestError('hours must be a non-empty list of ISO hours within the day');
    }
    const wanted = new Set(input.hours.map((h) => parseHour(h).getTime()));
    hours = day.filter((h) => wanted.has(h.getTime()));
    if (hours.length !== wanted.size)
      throw new InvalidRequestError(`hours must all fall within ${String(input.day)}`);
  }
  const future = hours.find((h) => h.getTime() + HOUR_MS > now.getTime());
  if (future) throw new InvalidRequestError(`hour ${future.toISOString()} has not ended yet`);
  return { mode: 'day', service, day: String(input.day), hours };
}

/**
 * When an EventBridge Scheduled Event (a rule's, or `sam local generate-event cloudwatch
 * scheduled-event`) was due: its `time`, so a late or retried delivery still collects the hour
 * it was scheduled for (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
 */
function scheduledAt(input: { time?: unknown; 'detail-type'?: unknown }, now: Date): Date {
  if (input['detail-type'] !== 'Scheduled Event') return now;
  const time = typeof input.time === 'string' ? new Date(input.time) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()))
    throw new InvalidRequestError(
      `the Scheduled Event's time ${JSON.stringify(input.time)} is not a timestamp`,
    );
  return time;
}
