import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { CloudTrailClient, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { hoursAlreadyWritten } from '../shared/cloudtrail/existing';
import { aggregateKey, eventSourceOf, HOUR_MS, timeseriesKey } from '../shared/cloudtrail/hours';
import { requireEnv } from '../shared/env';
import { identify, logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import { collectHours } from './collect';
import { aggregateCsv, callsByEventName, type TrailEvent, timeseriesCsv } from './csv';
import { createPacer } from './pacing';
import { parseRequest } from './request';

const env = requireEnv(['TIMESERIES_BUCKET', 'DEFAULT_SERVICE', 'TOP_EVENT_NAMES']);
// Adaptive retry rate-limits the client itself when CloudTrail throttles (2 requests/s).
const cloudtrail = tracer.captureAWSv3Client(
  new CloudTrailClient({ retryMode: 'adaptive', maxAttempts: 10 }),
);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

const LOOKUP_INTERVAL_MS = 550;
/**
 * CloudWatch takes data points "as much as two weeks before the current date" (PutMetricData in the
 * CloudWatch service model): older hours are written to the CSV timeseries but not metered.
 */
const METRIC_MAX_AGE_MS = 14 * 24 * HOUR_MS - HOUR_MS;
/** Stop paging with this much time left, so the hours already written are reported. */
const SAFETY_MARGIN_MS = 20_000;

async function* lookupPages(service: string, start: Date, end: Date): AsyncGenerator<TrailEvent[]> {
  const pace = createPacer(LOOKUP_INTERVAL_MS);
  await pace();
  const pages = paginateLookupEvents(
    { client: cloudtrail, pageSize: 50 },
    {
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: eventSourceOf(service) }],
      StartTime: start,
      EndTime: end,
    },
  );
  for await (const page of pages) {
    yield page.Events ?? [];
    await pace();
  }
}

async function* emptyPages(): AsyncGenerator<TrailEvent[]> {}

function putCsv(key: string, body: string) {
  return s3.send(
    new PutObjectCommand({
      Bucket: env.TIMESERIES_BUCKET,
      Key: key,
      Body: body,
      ContentType: 'text/csv; charset=utf-8',
    }),
  );
}

/** Emits the hour's Calls metrics; false when CloudWatch would drop them as too old. */
function meterHour(service: string, hour: Date, events: readonly TrailEvent[]): boolean {
  if (Date.now() - hour.getTime() > METRIC_MAX_AGE_MS) return false;
  const total = metrics.singleMetric();
  total.setTimestamp(hour);
  total.addDimensions({ Service: service });
  total.addMetric('Calls', MetricUnit.Count, events.length);
  for (const [eventName, calls] of callsByEventName(events, Number(env.TOP_EVENT_NAMES))) {
    const byName = metrics.singleMetric();
    byName.setTimestamp(hour);
    byName.addDimensions({ Service: service, EventName: eventName });
    byName.addMetric('Calls', MetricUnit.Count, calls);
  }
  return true;
}

class CloudTrailTimeseriesFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, context: Context) {
    const started = performance.now();
    const request = parseRequest(event, env.DEFAULT_SERVICE, new Date());
    identify({ trailService: request.service, mode: request.mode });
    // A retried or re-run day continues where it stopped: hours already in the bucket are skipped.
    const done =
      request.mode === 'day'
        ? await hoursAlreadyWritten(s3, env.TIMESERIES_BUCKET, request.service, request.hours)
        : new Set<number>();
    const hours = request.hours.filter((h) => !done.has(h.getTime()));
    const first = (hours[0] ?? request.hours[0]) as Date;
    const last = (hours.at(-1) ?? request.hours.at(-1)) as Date;

    let hoursMetered = 0;
    const collection = await collectHours({
      hours,
      pages:
        hours.length === 0
          ? emptyPages()
          : lookupPages(request.service, first, new Date(last.getTime() + HOUR_MS)),
      write: async (hour, events) => {
        await putCsv(timeseriesKey(request.service, hour), timeseriesCsv(events));
        await putCsv(aggregateKey(request.service, hour), aggregateCsv(hour, events));
        if (meterHour(request.service, hour, events)) hoursMetered += 1;
      },
      outOfTime: () => context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS,
    });
    const events = collection.written.reduce((sum, w) => sum + w.events, 0);
    metrics.addMetric('HoursWritten', MetricUnit.Count, collection.written.length);
    metrics.addMetric('LookupEventsPages', MetricUnit.Count, collection.pages);
    metrics.addMetric('EventsWithoutTime', MetricUnit.Count, collection.withoutTime);
    logger.info('Collected CloudTrail timeseries', {
      hours: collection.written.length,
      first: first.toISOString(),
      last: last.toISOString(),
      events,
      pages: collection.pages,
      eventsWithoutTime: collection.withoutTime,
      durationMs: Math.round(performance.now() - started),
    });
    if (request.mode === 'hour') {
      return {
        s3Uri: `s3://${env.TIMESERIES_BUCKET}/${timeseriesKey(request.service, first)}`,
        events,
        eventsWithoutTime: collection.withoutTime,
      };
    }
    return {
      service: request.service,
      day: request.day,
      hoursWritten: collection.written.length,
      hoursMetered,
      hoursSkipped: done.size,
      events,
      eventsWithoutTime: collection.withoutTime,
      pages: collection.pages,
    };
  }
}

const instance = new CloudTrailTimeseriesFunction();
export const handler = instance.handler.bind(instance);
