import type { FirehoseTransformationEvent } from 'aws-lambda';
import { firehoseEvent } from '../../../offline/firehose-events';
import { loadEvent } from '../../../offline/fixtures';
import { lambdaContext } from '../../../offline/lambda-context';
import { loadInstrumentedHandler as loadInstrumented } from '../../support/instrumented-handler';

const loadInstrumentedHandler = () =>
  loadInstrumented('ClickstreamTransformFunction', 'clickstream-transform');

afterEach(() => jest.restoreAllMocks());

describe('clickstream transform observability', () => {
  it('emits one EMF document with Ok, Dropped and ProcessingFailed counts per invocation', async () => {
    const { handler, lines } = loadInstrumentedHandler();

    await handler(loadEvent<FirehoseTransformationEvent>('clickstream-transform', 'mixed'), lambdaContext());

    const emf = lines().filter((line) => '_aws' in line && 'RecordsOk' in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      RecordsOk: 3,
      RecordsDropped: 1,
      RecordsProcessingFailed: 2,
      RecordsReingested: 0,
      Pipeline: 'clickstream',
      service: 'loglake',
    });
  });

  it('emits how many hours old the oldest request is, which the past-the-catalog-window alarm watches', async () => {
    const { handler, lines } = loadInstrumentedHandler();
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-24T14:30:00Z'));
    const event = firehoseEvent('loglake-dev-clickstream', [
      '10.0.0.7 - - [24/Nov/2026:14:05:00 +0000] "GET / HTTP/1.1" 200 10',
      // A client that buffered for two days: its request hour is 49 hours behind.
      '10.0.0.8 - - [22/Nov/2026:13:59:59 +0000] "GET /late HTTP/1.1" 200 10',
    ]);

    await handler(event, lambdaContext());

    const emf = lines().find((line) => '_aws' in line && 'RecordsOk' in line);
    expect(emf).toMatchObject({ OldestRequestAgeHours: 49, RecordsOk: 2 });
  });

  it('logs one summary line per invocation, never a line per record', async () => {
    const { handler, lines } = loadInstrumentedHandler();

    await handler(loadEvent<FirehoseTransformationEvent>('clickstream-transform', 'good'), lambdaContext());

    const logs = lines().filter((line) => 'level' in line);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      message: 'Transformed clickstream batch',
      records: 7,
      ok: 7,
      dropped: 0,
      processingFailed: 0,
      function_request_id: expect.any(String),
    });
  });
});
