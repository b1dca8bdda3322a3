import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type ListMetricsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';
import { serviceModel, shapeProblems } from '../../../offline/service-models';

// SenderAccountIds of a deploy that lists two senders, as the template passes it.
Object.assign(process.env, functionEnvironment('QuietSourceAccountsFunction'), {
  EXPECTED_ACCOUNTS: '111111111111,444444444444',
});
const { handler } =
  require('../../../functions/quiet-source-accounts/index') as typeof import('../../../functions/quiet-source-accounts/index');

const cloudwatch = mockClient(CloudWatchClient);
const model = serviceModel('cloudwatch');
const metric = (account: string) => ({
  Namespace: 'LogLake',
  MetricName: 'LogEventsBySourceAccount',
  Dimensions: [
    { Name: 'service', Value: 'loglake' },
    { Name: 'Pipeline', Value: 'cloudwatch-logs' },
    { Name: 'SourceAccount', Value: account },
  ],
});
/** Answers as CloudWatch would, each answer checked against the service model's output shape. */
function answer<T extends object>(output: string, value: T): T {
  expect(shapeProblems(model, { shape: output }, value, { sdkValues: true })).toEqual([]);
  return value;
}

beforeEach(() => {
  cloudwatch.reset();
  jest.useFakeTimers({ now: new Date('2026-11-22T14:25:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
});
afterEach(() => jest.useRealTimers());

describe('quiet source accounts handler', () => {
  it('lists the per-account metric, reads two weeks of hours, and names the accounts that went quiet', async () => {
    cloudwatch.on(ListMetricsCommand).resolves(
      answer<Partial<ListMetricsCommandOutput>>('ListMetricsOutput', {
        Metrics: [metric('111111111111'), metric('222222222222')],
      }),
    );
    cloudwatch.on(GetMetricDataCommand).resolves(
      answer<Partial<GetMetricDataCommandOutput>>('GetMetricDataOutput', {
        MetricDataResults: [
          {
            Id: 'm0',
            Label: 'a',
            StatusCode: 'Complete',
            Timestamps: [new Date('2026-11-22T13:00:00Z')],
            Values: [12],
          },
          {
            Id: 'm1',
            Label: 'b',
            StatusCode: 'Complete',
            Timestamps: [new Date('2026-11-21T02:00:00Z')],
            Values: [3],
          },
        ],
      }),
    );

    const result = await handler({}, lambdaContext('QuietSourceAccountsFunction'));

    expect(result).toEqual({
      accountsSeen: 2,
      expected: 2,
      quiet: [
        { account: '444444444444', lastSeen: null, hoursQuiet: null },
        { account: '222222222222', lastSeen: '2026-11-21T02:00:00.000Z', hoursQuiet: 35 },
      ],
    });
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(shapeProblems(model, { shape: 'GetMetricDataInput' }, query, { sdkValues: true })).toEqual([]);
    expect(query).toMatchObject({
      StartTime: new Date('2026-11-08T14:25:00Z'),
      EndTime: new Date('2026-11-22T14:25:00Z'),
      MetricDataQueries: [
        { Id: 'm0', MetricStat: { Metric: metric('111111111111'), Period: 3600, Stat: 'Sum' } },
        { Id: 'm1', MetricStat: { Metric: metric('222222222222'), Period: 3600, Stat: 'Sum' } },
      ],
    });
    expect(cloudwatch.commandCalls(ListMetricsCommand)[0]?.args[0].input).toMatchObject({
      Namespace: 'LogLake',
      MetricName: 'LogEventsBySourceAccount',
      Dimensions: [{ Name: 'Pipeline', Value: 'cloudwatch-logs' }],
    });
  });

  it('asks for 300 accounts a request, so two weeks of hours stay within 100,800 data points', async () => {
    const accounts = Array.from({ length: 301 }, (_, i) => String(100000000000 + i));
    cloudwatch.on(ListMetricsCommand).resolves({ Metrics: accounts.map(metric) });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    await handler({}, lambdaContext('QuietSourceAccountsFunction'));

    const sizes = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([300, 1]);
  });

  it('with no metric at all, reports every listed sender as never seen', async () => {
    cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });

    const result = await handler({}, lambdaContext('QuietSourceAccountsFunction'));

    expect(result.quiet.map((q) => q.account)).toEqual(['111111111111', '444444444444']);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
