import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// Service name, namespace and log level come from the POWERTOOLS_* variables that
// template.yaml sets in Globals, so every function reports under one namespace.
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

export { MetricUnit } from '@aws-lambda-powertools/metrics';
