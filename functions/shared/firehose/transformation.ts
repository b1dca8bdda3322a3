import type { FirehoseTransformationResult } from 'aws-lambda';
import { identify, logger, MetricUnit, metrics } from '../powertools';
import { firehoseClient } from './client';
import { assertFirehoseTransformationEvent, countResults } from './records';
import { type BoundedResponse, type BoundedTransform, respondWithinLimit } from './response';

export type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface TransformationRun extends BoundedTransform {
  /** The summary line's message. */
  readonly summary: string;
  /** Why records were rejected (the first few), logged with the summary. */
  readonly rejected: readonly { recordId: string; reason: string }[];
  /** Metrics and summary fields of this transform, known once the response is. */
  readonly report?: (bounded: BoundedResponse) => {
    metrics?: readonly [name: string, unit: Unit, value: number][];
    log?: Record<string, unknown>;
  };
}

/**
 * What every Firehose transformation handler does: check the event, transform its records
 * within the response limit (re-ingesting overflow), emit the outcome counts as metrics and
 * one summary line, and answer Firehose.
 */
export async function transformFirehoseEvent(
  event: unknown,
  run: TransformationRun,
): Promise<FirehoseTransformationResult> {
  const started = performance.now();
  assertFirehoseTransformationEvent(event);
  identify({ deliveryStreamArn: event.deliveryStreamArn });

  const bounded = await respondWithinLimit(firehoseClient, event.deliveryStreamArn, event.records, run);
  const counts = countResults(bounded.response.records);
  const dropped = counts.dropped - bounded.reingested;
  const report = run.report?.(bounded) ?? {};

  metrics.addMetric('RecordsOk', MetricUnit.Count, counts.ok);
  metrics.addMetric('RecordsDropped', MetricUnit.Count, dropped);
  metrics.addMetric('RecordsProcessingFailed', MetricUnit.Count, counts.processingFailed);
  metrics.addMetric('RecordsReingested', MetricUnit.Count, bounded.reingested);
  for (const [name, unit, value] of report.metrics ?? []) metrics.addMetric(name, unit, value);
  logger.info(run.summary, {
    records: event.records.length,
    ok: counts.ok,
    dropped,
    processingFailed: counts.processingFailed,
    reingested: bounded.reingested,
    reingestPutCalls: bounded.putCalls,
    ...report.log,
    responseBytes: bounded.responseBytes,
    durationMs: Math.round(performance.now() - started),
    ...(run.rejected.length > 0 && { firstRejections: run.rejected }),
  });
  return bounded.response;
}
