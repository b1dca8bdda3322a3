import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseClient } from '../shared/firehose-client';
import { assertFirehoseTransformationEvent, countResults } from '../shared/firehose-records';
import { respondWithinLimit } from '../shared/firehose-response';
import { logger, MetricUnit, metrics, tracer } from '../shared/powertools';
import { clickstreamTransform, newTransformStats } from './transform';

metrics.setDefaultDimensions({ Pipeline: 'clickstream' });

class ClickstreamTransformFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @metrics.logMetrics({ captureColdStartMetric: true })
  public async handler(event: unknown, _context: Context): Promise<FirehoseTransformationResult> {
    const started = performance.now();
    assertFirehoseTransformationEvent(event);
    logger.appendKeys({ deliveryStreamArn: event.deliveryStreamArn });

    const stats = newTransformStats();
    const bounded = await respondWithinLimit(firehoseClient, event.deliveryStreamArn, event.records, {
      transform: clickstreamTransform(stats),
    });
    const counts = countResults(bounded.response.records);

    metrics.addMetric('RecordsOk', MetricUnit.Count, counts.ok);
    metrics.addMetric('RecordsDropped', MetricUnit.Count, counts.dropped - bounded.reingested);
    metrics.addMetric('RecordsProcessingFailed', MetricUnit.Count, counts.processingFailed);
    metrics.addMetric('RecordsReingested', MetricUnit.Count, bounded.reingested);
    metrics.addMetric('InputBytes', MetricUnit.Bytes, stats.inputBytes);
    logger.info('Transformed clickstream batch', {
      records: event.records.length,
      ok: counts.ok,
      dropped: counts.dropped - bounded.reingested,
      processingFailed: counts.processingFailed,
      reingested: bounded.reingested,
      inputBytes: stats.inputBytes,
      responseBytes: bounded.responseBytes,
      durationMs: Math.round(performance.now() - started),
      ...(stats.rejected.length > 0 && { firstRejections: stats.rejected }),
    });
    return bounded.response;
  }
}

const instance = new ClickstreamTransformFunction();
export const handler = instance.handler.bind(instance);
