import { gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { firehoseEvent } from '../../../offline/firehose-events';
import { lambdaContext } from '../../../offline/lambda-context';
import { loadInstrumentedHandler } from '../../support/instrumented-handler';

afterEach(() => jest.restoreAllMocks());

const payload = (owner: string, events: number) =>
  gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner,
      logGroup: '/aws/lambda/checkout-api',
      logStream: 's',
      subscriptionFilters: ['loglake-central-logs'],
      logEvents: Array.from({ length: events }, (_, n) => ({
        id: String(n),
        timestamp: 1_795_352_709_000 + n,
        message: `event ${n}`,
      })),
    }),
  );

describe('cloudwatch logs transform observability', () => {
  it('emits the log events of each source account under its own SourceAccount dimension', async () => {
    const { handler, lines } = loadInstrumentedHandler(
      'CloudWatchLogsTransformFunction',
      'cloudwatch-logs-transform',
    );
    const event = firehoseEvent('loglake-dev-cloudwatch-logs', [
      payload('111111111111', 3),
      payload('222222222222', 2),
      payload('111111111111', 4),
    ]) as FirehoseTransformationEvent;

    await handler(event, lambdaContext());

    const byAccount = lines().filter((line) => '_aws' in line && 'LogEventsBySourceAccount' in line);
    expect(byAccount.map((m) => [m.SourceAccount, m.LogEventsBySourceAccount])).toEqual([
      ['111111111111', 7],
      ['222222222222', 2],
    ]);
    expect(byAccount[0]).toMatchObject({ Pipeline: 'cloudwatch-logs', service: 'loglake' });
    const summary = lines().find((line) => line.message === 'Transformed CloudWatch Logs batch');
    expect(summary).toMatchObject({
      logEvents: 9,
      logEventsByAccount: { '111111111111': 7, '222222222222': 2 },
    });
  });
});
