import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseClient } from '../shared/firehose-client';
import { assertFirehoseTransformationEvent, countResults } from '../shared/firehose-records';
import { respondWithinLimit } from '../shared/firehose-response';
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
    const started = performance.now();
    assertFirehoseTransformationEvent(event);
    logger.appendKeys({ deliveryStreamArn: event.deliveryStreamArn });

    const stats = newLogsTransformStats();
    const bounded = await respondWithinLimit(firehoseClient, event.deliveryStreamArn, event.records, {
      transform: cloudWatchLogsTransform(stats),
      reingestPayloads,
    });
    const counts = countResults(bounded.response.records);
    const dropped = counts.dropped - bounded.reingested;
    const delivered = deliveredTotals(stats, bounded.overflow);

    metrics.addMetric('RecordsOk', MetricUnit.Count, counts.ok);
    metrics.addMetric('RecordsDropped', MetricUnit.Count, dropped);
    metrics.addMetric('RecordsProcessingFailed', MetricUnit.Count, counts.processingFailed);
    metrics.addMetric('RecordsReingested', MetricUnit.Count, bounded.reingested);
    metrics.addMetric('LogEvents', MetricUnit.Count, delivered.logEvents);
    logger.info('Transformed CloudWatch Logs batch', {
      records: event.records.length,
      ok: counts.ok,
      dropped,
      controlMessages: stats.controlMessages,
      processingFailed: counts.processingFailed,
      reingested: bounded.reingested,
      reingestPutCalls: bounded.putCalls,
      logEvents: delivered.logEvents,
      decodedBytes: delivered.decodedBytes,
      responseBytes: bounded.responseBytes,
      durationMs: Math.round(performance.now() - started),
      ...(stats.rejected.length > 0 && { firstRejections: stats.rejected }),
    });
    return bounded.response;
  }
}

const instance = new CloudWatchLogsTransformFunction();
export const handler = instance.handler.bind(instance);
