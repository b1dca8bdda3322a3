import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { transformFirehoseEvent } from '../shared/firehose-transformation';
import { logger, MetricUnit, metrics, tracer } from '../shared/powertools';
import {
  cloudWatchLogsTransform,
  deliveredTotals,
  newLogsTransformStats,
  reingestPayloads,
} from './transform';

metrics.setDefaultDimensions({ Pipeline: 'cloudwatch-logs' });

class CloudWatchLogsTransformFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @metrics.logMetrics({ captureColdStartMetric: true })
  public async handler(event: unknown, _context: Context): Promise<FirehoseTransformationResult> {
    const stats = newLogsTransformStats();
    return transformFirehoseEvent(event, {
      summary: 'Transformed CloudWatch Logs batch',
      transform: cloudWatchLogsTransform(stats),
      reingestPayloads,
      rejected: stats.rejected,
      report: (bounded) => {
        const delivered = deliveredTotals(stats, bounded.overflow);
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
