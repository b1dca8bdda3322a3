import { functionEnvironment } from '../../offline/function-environment';
import type { Handler } from '../../offline/harness';

/**
 * The real handlers, by template logical ID. Imported on first use, after their environment
 * (from template.yaml, as the harness gives it) is set, since they read it at cold start.
 */
// require, not import(): esbuild bundles it, and it stays lazy, so the environment is set first.
const modules: Record<string, () => { handler: unknown }> = {
  ClickstreamTransformFunction: () => require('../../functions/clickstream-transform/index'),
  CloudWatchLogsTransformFunction: () => require('../../functions/cloudwatch-logs-transform/index'),
  DynamoDbStreamForwarderFunction: () => require('../../functions/dynamodb-stream-forwarder/index'),
  CloudTrailTimeseriesFunction: () => require('../../functions/cloudtrail-timeseries/index'),
  CloudTrailBackfillFunction: () => require('../../functions/cloudtrail-backfill/index'),
  RedshiftLoadFunction: () => require('../../functions/redshift-load/index'),
  AuditLogAggregatorFunction: () => require('../../functions/audit-log-aggregator/index'),
  CatalogThenEtlFunction: () => require('../../functions/catalog-then-etl/index'),
  SearchForwarderFunction: () => require('../../functions/search-forwarder/index'),
};

const loaded = new Map<string, Handler>();

export async function loadHandler(logicalId: string): Promise<Handler> {
  const cached = loaded.get(logicalId);
  if (cached) return cached;
  const load = modules[logicalId];
  if (!load) throw new Error(`the demo has no handler for ${logicalId}`);
  Object.assign(process.env, functionEnvironment(logicalId));
  const handler = load().handler as Handler;
  loaded.set(logicalId, handler);
  return handler;
}

/** Every handler, loaded: the workflow harness asks for them synchronously. */
export async function loadAllHandlers(): Promise<(logicalId: string) => Handler> {
  for (const id of Object.keys(modules)) await loadHandler(id);
  return (logicalId) => {
    const handler = loaded.get(logicalId);
    if (!handler) throw new Error(`the demo has no handler for ${logicalId}`);
    return handler;
  };
}
