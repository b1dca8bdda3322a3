import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { transformFirehoseEvent, type Unit } from '../shared/firehose/transformation';
import { logger, MetricUnit, publishesMetrics, tracer } from '../shared/powertools';
import { clickstreamTransform, newTransformStats, requestAgeHours } from './transform';

class ClickstreamTransformFunction implements LambdaInterface {
  // The response (up to 6 MB of Firehose records) stays out of the trace.
  @tracer.captureLambdaHandler({ captureResponse: false })
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context): Promise<FirehoseTransformationResult> {
    const stats = newTransformStats();
    return transformFirehoseEvent(event, {
      summary: 'Transformed clickstream batch',
      transform: clickstreamTransform(stats),
      rejected: stats.rejected,
      report: () => {
        const age = requestAgeHours(stats.oldestHour, Date.now());
        const metrics: [string, Unit, number][] = [['InputBytes', MetricUnit.Bytes, stats.inputBytes]];
        // Records older than the catalog-then-ETL window land in hours no scheduled run lists: alarmed.
        if (age !== undefined) metrics.push(['OldestRequestAgeHours', MetricUnit.Count, age]);
        return {
          metrics,
          log: { inputBytes: stats.inputBytes, oldestRequestHour: stats.oldestHour },
        };
      },
    });
  }
}

const instance = new ClickstreamTransformFunction();
export const handler = instance.handler.bind(instance);
