import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { hoursAlreadyWritten } from '../shared/cloudtrail/existing';
import { requireEnv } from '../shared/env';
import { dispatchStep } from '../shared/errors';
import { logger, publishesMetrics, tracer } from '../shared/powertools';
import { type DayResult, parseBackfillRequest, planDays, summarise } from './plan';

const env = requireEnv(['TIMESERIES_BUCKET', 'DEFAULT_SERVICE']);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

type Step =
  | { step: 'plan'; request?: unknown }
  | { step: 'summarise'; plan: { service: string; hoursSkipped: number }; results: DayResult[] };

/** The backfill workflow's bookkeeping: plan the missing hours, then total what was written. */
class CloudTrailBackfillFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: Step, _context: Context) {
    return dispatchStep<Step, unknown>(event, {
      plan: (e) => planStep(e as Extract<Step, { step: 'plan' }>),
      summarise: (e) => {
        const { plan, results } = e as Extract<Step, { step: 'summarise' }>;
        const summary = summarise(plan, results ?? []);
        logger.info('Summarised CloudTrail backfill', loggable(summary));
        return summary;
      },
    });
  }
}

async function planStep(event: Extract<Step, { step: 'plan' }>) {
  const request = parseBackfillRequest(event.request, env.DEFAULT_SERVICE, new Date());
  const written = await hoursAlreadyWritten(s3, env.TIMESERIES_BUCKET, request.service, request.hours);
  const days = planDays(request, written);
  const plan = {
    service: request.service,
    start: request.hours[0]?.toISOString(),
    end: request.end.toISOString(),
    hoursPlanned: days.reduce((sum, d) => sum + d.hours.length, 0),
    hoursSkipped: written.size,
    days,
  };
  logger.info('Planned CloudTrail backfill', loggable({ ...plan, days: days.length }));
  return plan;
}

/** `service` is a key Powertools reserves for its own (it would drop ours with a warning): log it as trailService. */
function loggable<T extends { service: string }>({ service, ...rest }: T) {
  return { trailService: service, ...rest };
}

const instance = new CloudTrailBackfillFunction();
export const handler = instance.handler.bind(instance);
