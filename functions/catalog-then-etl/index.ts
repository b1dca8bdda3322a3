import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, MetricUnit, metrics, tracer } from '../shared/powertools';
import { HOUR_KEY, planRun, type RunPlan, RunRequestError } from './plan';
import { reportQueries } from './report';
import { type HourListing, newRawData, rawPrefix } from './scan';

const env = requireEnv(['RAW_BUCKET', 'LOOKBACK_HOURS', 'SIGN_UP_PATH', 'SIGN_IN_PATH']);
const s3 = tracer.captureAWSv3Client(new S3Client({}));
metrics.setDefaultDimensions({ Pipeline: 'catalog-then-etl' });
const LOOKBACK_HOURS = Number(env.LOOKBACK_HOURS);
/** Hour prefixes listed at once. */
const LIST_CONCURRENCY = 8;

type Step =
  | { step: 'plan'; input: unknown }
  // The run-lock item as DynamoDB returns it (ALL_NEW): its high-water mark, when a run set one.
  | { step: 'scan'; plan: RunPlan; state?: { highWaterMark?: { S?: string } } }
  | { step: 'report'; hours: string[] };

/** The hours a step was given (by the workflow, from the plan): checked, as any input is. */
function checkedHours(value: unknown, field: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((h) => typeof h === 'string' && HOUR_KEY.test(h))
  ) {
    throw new RunRequestError(`${field} must be a non-empty list of YYYY-MM-DDTHH hours`);
  }
  return value;
}

async function listHour(hour: string): Promise<HourListing> {
  const lastModified: string[] = [];
  const pages = paginateListObjectsV2({ client: s3 }, { Bucket: env.RAW_BUCKET, Prefix: rawPrefix(hour) });
  for await (const page of pages) {
    for (const object of page.Contents ?? []) {
      if (object.LastModified) lastModified.push(object.LastModified.toISOString());
    }
  }
  return { hour, lastModified };
}

async function listHours(hours: readonly string[]): Promise<HourListing[]> {
  const listings: HourListing[] = [];
  for (let i = 0; i < hours.length; i += LIST_CONCURRENCY) {
    listings.push(...(await Promise.all(hours.slice(i, i + LIST_CONCURRENCY).map(listHour))));
  }
  return listings;
}

/**
 * The catalog-then-ETL workflow's steps that need code: `plan` (which hours, lease), `scan`
 * (which of them got raw objects since the high-water mark) and `report` (the Athena queries).
 */
class CatalogThenEtlFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @metrics.logMetrics()
  public async handler(event: Step, _context: Context) {
    switch (event?.step) {
      case 'plan': {
        const plan = planRun(event.input, new Date(), LOOKBACK_HOURS);
        logger.info('Planned catalog-then-ETL run', {
          mode: plan.mode,
          first: plan.hours[0],
          last: plan.hours.at(-1),
        });
        return plan;
      }
      case 'scan': {
        const hours = checkedHours(event.plan?.hours, 'plan.hours');
        if (event.plan.mode !== 'scheduled' && event.plan.mode !== 'manual') {
          throw new RunRequestError('plan.mode must be scheduled or manual');
        }
        const result = newRawData(await listHours(hours), event.plan.mode, event.state?.highWaterMark?.S);
        metrics.addMetric('NewRawObjects', MetricUnit.Count, result.objects);
        metrics.addMetric('HoursToConvert', MetricUnit.Count, result.hours.length);
        logger.info('Scanned raw zone', { ...result, hoursListed: event.plan.hours.length });
        return result;
      }
      case 'report':
        return reportQueries(checkedHours(event.hours, 'hours'), {
          signUp: env.SIGN_UP_PATH,
          signIn: env.SIGN_IN_PATH,
        });
      default:
        throw new RunRequestError(
          `step must be plan, scan or report, got ${JSON.stringify((event as { step?: unknown })?.step)}`,
        );
    }
  }
}

const instance = new CatalogThenEtlFunction();
export const handler = instance.handler.bind(instance);
