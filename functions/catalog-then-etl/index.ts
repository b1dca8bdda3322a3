import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { dispatchStep } from '../shared/errors';
import { identify, logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import { HOUR_KEY, HOUR_MS, hourKey, planRun, type RunPlan, RunRequestError } from './plan';
import { reportQueries } from './report';
import { convertedHours, type HourListing, newRawData, rawPrefix } from './scan';

const env = requireEnv(['RAW_BUCKET', 'LOOKBACK_HOURS', 'SIGN_UP_PATH', 'SIGN_IN_PATH']);
const s3 = tracer.captureAWSv3Client(new S3Client({}));
const LOOKBACK_HOURS = Number(env.LOOKBACK_HOURS);
/** Hour prefixes listed at once. */
const LIST_CONCURRENCY = 8;

type Step =
  | { step: 'plan'; input: unknown }
  // The run-lock item as DynamoDB returns it (ALL_NEW): the hours runs converted, when one did.
  | { step: 'scan'; plan: RunPlan; state?: { converted?: { M?: Record<string, { S?: string }> } } }
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
  const keys: string[] = [];
  const pages = paginateListObjectsV2({ client: s3 }, { Bucket: env.RAW_BUCKET, Prefix: rawPrefix(hour) });
  for await (const page of pages) {
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  return { hour, keys };
}

/** The first hour of the scheduled window at `now`: the record of converted hours keeps no older ones. */
const windowStart = (now: string) =>
  hourKey(new Date(Math.floor(Date.parse(now) / HOUR_MS) * HOUR_MS - (LOOKBACK_HOURS - 1) * HOUR_MS));

async function listHours(hours: readonly string[]): Promise<HourListing[]> {
  const listings: HourListing[] = [];
  for (let i = 0; i < hours.length; i += LIST_CONCURRENCY) {
    listings.push(...(await Promise.all(hours.slice(i, i + LIST_CONCURRENCY).map(listHour))));
  }
  return listings;
}

/**
 * The catalog-then-ETL workflow's steps that need code: `plan` (which hours, lease), `scan`
 * (which of them hold objects no run converted) and `report` (the Athena queries).
 */
class CatalogThenEtlFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: Step, _context: Context) {
    identify({ step: typeof event?.step === 'string' ? event.step : undefined });
    return dispatchStep<Step, unknown>(event, {
      plan: (e) => planStep(e as Extract<Step, { step: 'plan' }>),
      scan: (e) => scanStep(e as Extract<Step, { step: 'scan' }>),
      report: (e) =>
        reportQueries(checkedHours((e as Extract<Step, { step: 'report' }>).hours, 'hours'), {
          signUp: env.SIGN_UP_PATH,
          signIn: env.SIGN_IN_PATH,
        }),
    });
  }
}

function planStep(event: Extract<Step, { step: 'plan' }>): RunPlan {
  const plan = planRun(event.input, new Date(), LOOKBACK_HOURS);
  logger.info('Planned catalog-then-ETL run', {
    mode: plan.mode,
    first: plan.hours[0],
    last: plan.hours.at(-1),
  });
  return plan;
}

async function scanStep(event: Extract<Step, { step: 'scan' }>) {
  const hours = checkedHours(event.plan?.hours, 'plan.hours');
  if (event.plan.mode !== 'scheduled' && event.plan.mode !== 'manual') {
    throw new RunRequestError('plan.mode must be scheduled or manual');
  }
  const result = newRawData(
    await listHours(hours),
    event.plan.mode,
    convertedHours(event.state?.converted),
    // A scheduled run's window is its plan; a manual run keeps the window around now.
    event.plan.mode === 'scheduled' ? (hours[0] as string) : windowStart(event.plan.now),
  );
  metrics.addMetric('NewRawObjects', MetricUnit.Count, result.objects);
  metrics.addMetric('HoursToConvert', MetricUnit.Count, result.hours.length);
  metrics.addMetric('LateRawObjectHours', MetricUnit.Count, result.lateHours.length);
  const { converted: _record, ...summary } = result;
  logger.info('Scanned raw zone', { ...summary, hoursListed: event.plan.hours.length });
  return result;
}

const instance = new CatalogThenEtlFunction();
export const handler = instance.handler.bind(instance);
