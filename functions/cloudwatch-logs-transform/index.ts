import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { transformFirehoseEvent } from '../shared/firehose/transformation';
import { logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import {
  cloudWatchLogsTransform,
  deliveredTotals,
  newLogsTransformStats,
  reingestPayloads,
} from './transform';

class CloudWatchLogsTransformFunction implements LambdaInterface {
  // The response (up to 6 MB of Firehose records) stays out of the trace.
  @tracer.captureLambdaHandler({ captureResponse: false })
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context): Promise<FirehoseTransformationResult> {
    const stats = newLogsTransformStats();
    return transformFirehoseEvent(event, {
      summary: 'Transformed CloudWatch Logs batch',
      transform: cloudWatchLogsTransform(stats),
      reingestPayloads,
      rejected: stats.rejected,
      report: (bounded) => {
        const delivered = deliveredTotals(stats, bounded.overflow);
        // Per source account (a few dozen at most): the dashboard's volume per account and the quiet-account alarm.
        for (const [account, logEvents] of Object.entries(delivered.logEventsByAccount)) {
          const single = metrics.singleMetric();
          single.addDimension('SourceAccount', account);
          single.addMetric('LogEventsBySourceAccount', MetricUnit.Count, logEvents);
        }
        return {
          metrics: [['LogEvents', MetricUnit.Count, delivered.logEvents]],
          log: { controlMessages: stats.controlMessages, ...delivered },
        };
      },
    });
  }
}

const instance = new CloudWatchLogsTransformFunction();
export const handler = instance.handler.bind(instance);
