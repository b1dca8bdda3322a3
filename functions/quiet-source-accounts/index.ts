import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import {
  CloudWatchClient,
  type Metric,
  paginateGetMetricData,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, MetricUnit, metrics, publishesMetrics, tracer } from '../shared/powertools';
import { checkRequest, HOUR_MS, lastSeenByAccount, parseAccountList, quietAccounts } from './quiet';

const env = requireEnv(['QUIET_AFTER_HOURS']);
// Optional: listed senders that never sent are quiet too (empty when only an organisation sends).
const expected = parseAccountList(process.env.EXPECTED_ACCOUNTS);
const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

const NAMESPACE = 'LogLake';
const METRIC = 'LogEventsBySourceAccount';
/** ListMetrics lists metrics with data in the past two weeks (CloudWatch service model). */
const LOOKBACK_MS = 14 * 24 * HOUR_MS;
/**
 * GetMetricData takes up to 500 metrics and 100,800 data points per request (CloudWatch service
 * model): two weeks of hours is 336 points a metric, so 300 metrics fill one request exactly.
 */
const QUERIES_PER_REQUEST = Math.min(500, Math.floor(100_800 / (LOOKBACK_MS / HOUR_MS)));

async function accountMetrics(): Promise<{ account: string; metric: Metric }[]> {
  const found: { account: string; metric: Metric }[] = [];
  const pages = paginateListMetrics(
    { client: cloudwatch },
    {
      Namespace: NAMESPACE,
      MetricName: METRIC,
      Dimensions: [{ Name: 'Pipeline', Value: 'cloudwatch-logs' }],
    },
  );
  for await (const page of pages)
    for (const metric of page.Metrics ?? []) {
      const account = metric.Dimensions?.find((d) => d.Name === 'SourceAccount')?.Value;
      if (account) found.push({ account, metric });
    }
  return found;
}

async function hourlySeries(listed: { account: string; metric: Metric }[], now: Date) {
  const series: { account: string; timestamps: Date[]; values: number[] }[] = [];
  for (let start = 0; start < listed.length; start += QUERIES_PER_REQUEST) {
    const chunk = listed.slice(start, start + QUERIES_PER_REQUEST);
    const pages = paginateGetMetricData(
      { client: cloudwatch },
      {
        StartTime: new Date(now.getTime() - LOOKBACK_MS),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: chunk.map(({ metric }, i) => ({
          Id: `m${i}`,
          MetricStat: { Metric: metric, Period: 3600, Stat: 'Sum' },
          ReturnData: true,
        })),
      },
    );
    for await (const page of pages)
      for (const result of page.MetricDataResults ?? []) {
        const account = chunk[Number(result.Id?.slice(1))]?.account;
        if (account)
          series.push({ account, timestamps: result.Timestamps ?? [], values: result.Values ?? [] });
      }
  }
  return series;
}

class QuietSourceAccountsFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context) {
    checkRequest(event);
    const started = Date.now();
    const now = new Date();
    const listed = await accountMetrics();
    const lastSeen = lastSeenByAccount(await hourlySeries(listed, now));
    const quiet = quietAccounts(expected, lastSeen, now, Number(env.QUIET_AFTER_HOURS));
    // Published every hour, 0 included: the alarm watches it, and a missing point means the check did not run.
    metrics.addMetric('QuietSourceAccounts', MetricUnit.Count, quiet.length);
    const result = { accountsSeen: lastSeen.size, expected: expected.length, quiet };
    logger.info('Checked source accounts', { ...result, durationMs: Date.now() - started });
    return result;
  }
}

const instance = new QuietSourceAccountsFunction();
export const handler = instance.handler.bind(instance);
