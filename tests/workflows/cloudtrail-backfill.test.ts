import { CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { runStateMachine } from '../../offline/harness';
import { ServiceStubs } from '../../offline/stubs';
import { trackStateCoverage } from '../support/state-coverage';

const MACHINE = 'CloudTrailBackfillStateMachine';
trackStateCoverage(MACHINE);

const cloudtrail = mockClient(CloudTrailClient);
const s3 = mockClient(S3Client);
/** The bucket, as keys: PutObject adds, ListObjectsV2 lists. */
let bucket: Set<string>;

/** Three KMS calls in every hour, newest first, in pages of 50, for whatever window is asked. */
function serveCloudTrail() {
  cloudtrail.on(LookupEventsCommand).callsFake((input) => {
    const events: Event[] = [];
    for (
      let t = (input.EndTime as Date).getTime() - 3_600_000;
      t >= (input.StartTime as Date).getTime();
      t -= 3_600_000
    ) {
      for (const minute of [50, 20, 5]) {
        events.push({
          EventId: `e-${t}-${minute}`,
          EventName: 'Decrypt',
          ReadOnly: 'true',
          EventTime: new Date(t + minute * 60_000),
          EventSource: 'kms.amazonaws.com',
          Username: 'checkout-api-role',
        });
      }
    }
    const start = input.NextToken ? Number(input.NextToken) : 0;
    return {
      Events: events.slice(start, start + 50),
      ...(start + 50 < events.length && { NextToken: String(start + 50) }),
    };
  });
}

const notified = (stubs: ServiceStubs) => stubs.calls('sns:publish').map((c) => String(c.input.Message));
const hourKeys = (day: string, hours: number[]) =>
  hours.map(
    (h) =>
      `timeseries/${day.replaceAll('-', '')}/${String(h).padStart(2, '0')}00/kms-timeseries-${day.replaceAll('-', '')}-${String(h).padStart(2, '0')}00.csv`,
  );

function services(): ServiceStubs {
  const stubs = new ServiceStubs();
  stubs.on('sns:publish').resolves({ MessageId: 'a3c1e4f0-0000-4000-8000-000000000000' });
  return stubs;
}

beforeEach(() => {
  jest.useFakeTimers({
    now: new Date('2026-11-22T13:20:00Z'),
    doNotFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'setImmediate',
      'nextTick',
      'queueMicrotask',
    ],
  });
  cloudtrail.reset();
  s3.reset();
  bucket = new Set(hourKeys('2026-11-20', [0, 1, 2, 3, 4, 5]));
  s3.on(ListObjectsV2Command).callsFake((input) => ({
    Contents: [...bucket].filter((key) => key.startsWith(String(input.Prefix))).map((Key) => ({ Key })),
  }));
  s3.on(PutObjectCommand).callsFake((input) => {
    bucket.add(String(input.Key));
    return {};
  });
  serveCloudTrail();
});
afterEach(() => jest.useRealTimers());

const twoDays = { service: 'kms', days: 2, end: '2026-11-22T00:00:00Z' };

describe('cloudtrail backfill workflow', () => {
  it('collects the missing hours one day at a time and reports what it wrote and skipped', async () => {
    const stubs = services();

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      service: 'kms',
      hoursWritten: 42,
      // Both days are within CloudWatch's two weeks of "now" (2026-11-22).
      hoursMetered: 42,
      hoursNotMetered: 0,
      hoursSkipped: 6,
      events: 126,
      eventsWithoutTime: 0,
      lookupEventsPages: 4,
      days: 2,
    });
    expect(run.statesEntered.filter((s) => s === 'Collect day')).toHaveLength(2);
    expect(hourKeys('2026-11-20', [...Array(24).keys()]).every((k) => bucket.has(k))).toBe(true);
    expect(hourKeys('2026-11-21', [...Array(24).keys()]).every((k) => bucket.has(k))).toBe(true);
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]?.args[0].input.StartTime).toEqual(
      new Date('2026-11-20T06:00:00Z'),
    );
    expect(notified(stubs)).toEqual([
      expect.stringMatching(
        /^CloudTrail backfill of kms finished: 42 hours written, 6 already there, 126 events \(0 without an EventTime, so in no hourly file\)\. 42 of the hours written are metered for the anomaly alarms; 0 are older than the two weeks CloudWatch accepts, so they are in the CSV timeseries only\. Execution arn:/,
      ),
    ]);
  }, 30_000);

  it('does nothing but report when run again with the same input', async () => {
    await runStateMachine(MACHINE, twoDays, { stubs: services() });
    cloudtrail.resetHistory();
    const stubs = services();

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.output).toMatchObject({ hoursWritten: 0, hoursSkipped: 48, events: 0 });
    expect(run.statesEntered).toContain('Nothing to collect');
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
  }, 30_000);

  it('rejects more than 90 days with a named failure that notifies', async () => {
    const stubs = services();

    const run = await runStateMachine(MACHINE, { service: 'kms', days: 120 }, { stubs });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CloudTrailBackfill.InvalidInput');
    expect(run.cause).toContain('days must be a whole number from 1 to 90');
    expect(notified(stubs)[0]).toContain(
      'CloudTrail backfill failed in "Plan backfill" with BackfillValidationError',
    );
    expect(run.statesEntered).toEqual(['Plan backfill', 'Request rejected', 'Notify failure', 'Fail']);
  });

  it('stops at the day that fails, notifies with that day, and keeps the days already written', async () => {
    cloudtrail.on(LookupEventsCommand, { StartTime: new Date('2026-11-21T00:00:00Z') }).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudtrail:LookupEvents'), {
        name: 'AccessDeniedException',
      }),
    );
    const stubs = services();

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CloudTrailBackfill.Failed');
    expect(run.cause).toMatch(/^Collecting 2026-11-21 \(hours \[.*\]\) failed with AccessDeniedException/);
    expect(notified(stubs)[0]).toContain(
      'failed in "Collect missing days" with CloudTrailBackfill.DayFailed',
    );
    expect(hourKeys('2026-11-20', [23]).every((k) => bucket.has(k))).toBe(true);
    expect(run.statesEntered).toEqual(
      expect.arrayContaining(['Describe failed day', 'Stop at failed day', 'Collection failed']),
    );
  }, 30_000);

  it('retries a day that ran out of time, and the retry finishes it', async () => {
    const stubs = services();
    stubs
      .onState('Collect day', 'lambda:invoke')
      .functionFailsOnce('CollectionTimeoutError', 'ran out of time after 900 pages');

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([{ state: 'Collect day', attempt: 1 }]);
  }, 30_000);

  it('fails by name and notifies when the plan cannot list the bucket', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const stubs = services();

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.error).toBe('CloudTrailBackfill.Failed');
    expect(run.statesEntered).toContain('Planning failed');
    expect(notified(stubs)[0]).toContain('with AccessDenied');
  });

  it('retries Lambda throttling on a step, then fails by name when it persists', async () => {
    const stubs = services();
    stubs.onState('Plan backfill', 'lambda:invoke').rejects('TooManyRequestsException', 'Rate exceeded');

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.retries.filter((r) => r.state === 'Plan backfill')).toHaveLength(6);
    expect(run.error).toBe('CloudTrailBackfill.Failed');
    expect(notified(stubs)[0]).toContain('Lambda.TooManyRequestsException');
  });

  it('fails by name when the summary step fails', async () => {
    const stubs = services();
    stubs
      .onState('Summarise backfill', 'lambda:invoke')
      .rejects('ResourceNotFoundException', 'Function not found');

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.error).toBe('CloudTrailBackfill.Failed');
    expect(run.statesEntered).toContain('Summary failed');
  }, 30_000);

  it('reports a success notification that could not be sent as a failure', async () => {
    const stubs = services();
    stubs
      .onState('Notify done', 'sns:publish')
      .rejects('AuthorizationErrorException', 'not authorized to publish');

    const run = await runStateMachine(MACHINE, twoDays, { stubs });

    expect(run.error).toBe('CloudTrailBackfill.Failed');
    expect(run.statesEntered.slice(-4)).toEqual([
      'Notify done',
      'Notification failed',
      'Notify failure',
      'Fail',
    ]);
  }, 30_000);
});
