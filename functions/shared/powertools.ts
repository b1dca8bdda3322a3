import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

// Service name, namespace and log level come from the POWERTOOLS_* variables that
// template.yaml sets in Globals, so every function reports under one namespace; each
// function's PIPELINE variable is its metrics' Pipeline dimension, set once, here.
export const logger = new Logger();
export const metrics = new Metrics({
  ...(process.env.PIPELINE ? { defaultDimensions: { Pipeline: process.env.PIPELINE } } : {}),
});
export const tracer = new Tracer();

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * What Powertools' `logMetrics` does, without its empty publish: the cold-start metric on the
 * first invocation, then the invocation's metrics if it added any. (`logMetrics` publishes on
 * every invocation and warns "No application metrics to publish" when a step added none.)
 */
export function publishesMetrics() {
  return (_target: object, _key: string, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as (event: unknown, context: Context) => Promise<unknown>;
    descriptor.value = async function (this: unknown, event: unknown, context: Context) {
      metrics.captureColdStartMetric(context?.functionName);
      try {
        return await handler.call(this, event, context);
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    };
    return descriptor;
  };
}

/** The ids people search by (a batch, a load, a stream, a step): on every log line and as trace annotations. */
export function identify(ids: Readonly<Record<string, string | undefined>>): void {
  const present = Object.fromEntries(Object.entries(ids).filter(([, value]) => value !== undefined));
  logger.appendKeys(present);
  for (const [key, value] of Object.entries(present)) tracer.putAnnotation(key, value as string);
}
