import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { transformFirehoseEvent } from '../shared/firehose-transformation';
import { logger, MetricUnit, metrics, tracer } from '../shared/powertools';
import { clickstreamTransform, newTransformStats } from './transform';

metrics.setDefaultDimensions({ Pipeline: 'clickstream' });

class ClickstreamTransformFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @metrics.logMetrics({ captureColdStartMetric: true })
  public async handler(event: unknown, _context: Context): Promise<FirehoseTransformationResult> {
    const stats = newTransformStats();
    return transformFirehoseEvent(event, {
      summary: 'Transformed clickstream batch',
      transform: clickstreamTransform(stats),
      rejected: stats.rejected,
      report: () => ({
        metrics: [['InputBytes', MetricUnit.Bytes, stats.inputBytes]],
        log: { inputBytes: stats.inputBytes },
      }),
    });
  }
}

const instance = new ClickstreamTransformFunction();
export const handler = instance.handler.bind(instance);
