import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { hoursAlreadyWritten } from '../shared/cloudtrail/existing';
import { requireEnv } from '../shared/env';
import { logger, publishesMetrics, tracer } from '../shared/powertools';
import { type DayResult, parseBackfillRequest, planDays, summarise } from './plan';

const env = requireEnv(['TIMESERIES_BUCKET', 'DEFAULT_SERVICE']);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

export class UnknownStepError extends Error {
  override readonly name = 'UnknownStepError';
}

type Step =
  | { step: 'plan'; request?: unknown }
  | { step: 'summarise'; plan: { service: string; hoursSkipped: number }; results: DayResult[] };

/** The backfill workflow's bookkeeping: plan the missing hours, then total what was written. */
class CloudTrailBackfillFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: Step, _context: Context) {
    if (event?.step === 'plan') {
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
      logger.info('Planned CloudTrail backfill', { ...plan, days: days.length });
      return plan;
    }
    if (event?.step === 'summarise') {
      const summary = summarise(event.plan, event.results ?? []);
      logger.info('Summarised CloudTrail backfill', summary);
      return summary;
    }
    throw new UnknownStepError(
      `step must be "plan" or "summarise", got ${JSON.stringify((event as { step?: unknown })?.step)}`,
    );
  }
}

const instance = new CloudTrailBackfillFunction();
export const handler = instance.handler.bind(instance);
