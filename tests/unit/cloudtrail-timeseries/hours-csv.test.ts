import { collectHours } from '../../../functions/cloudtrail-timeseries/collect';
import {
  aggregateCsv,
  callsByEventName,
  type TrailEvent,
  timeseriesCsv,
} from '../../../functions/cloudtrail-timeseries/csv';
import { createPacer } from '../../../functions/cloudtrail-timeseries/pacing';
import { parseRequest } from '../../../functions/cloudtrail-timeseries/request';
import {
  aggregateKey,
  backfillHours,
  eventSourceOf,
  hoursOfDay,
  lastFullHour,
  parseHour,
  timeseriesKey,
} from '../../../functions/shared/cloudtrail/hours';

const at = (iso: string) => new Date(iso);
const event = (iso: string, extra: Partial<TrailEvent> = {}): TrailEvent => ({
  EventId: `id-${iso}`,
  EventName: 'Decrypt',
  ReadOnly: 'true',
  AccessKeyId: 'ASIAXMPL7W66TXMPLVJK',
  EventTime: at(iso),
  EventSource: 'kms.amazonaws.com',
  Username: 'lookoutmetrics-sample-function',
  ...extra,
});

describe('timeseries hours and keys', () => {
  it('takes the last full hour and names files by the hour collected, in the layout existing readers expect', () => {
    const hour = lastFullHour(at('2026-11-22T13:04:59Z'));

    expect(hour.toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(timeseriesKey('kms', hour)).toBe('timeseries/20261122/1200/kms-timeseries-20261122-1200.csv');
    expect(aggregateKey('kms', hour)).toBe('timeseries-aggregated/20261122/1200/kms-calls-20261122-1200.csv');
  });

  it('accepts ISO hours and rejects anything else by name', () => {
    expect(parseHour('2026-11-22T13:00:00Z').toISOString()).toBe('2026-11-22T13:00:00.000Z');
    expect(parseHour('2026-11-22T13:00+00:00').toISOString()).toBe('2026-11-22T13:00:00.000Z');
    for (const bad of ['2026-11-22T13:30:00Z', '2026-11-22 13:00', 'yesterday', 42, '2026-13-01T00:00:00Z']) {
      expect(() => parseHour(bad)).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }));
    }
  });

  it('lists a day as 24 hours and a backfill as whole days ending before its end', () => {
    expect(hoursOfDay('2026-11-21').map((h) => h.toISOString())).toHaveLength(24);
    expect(() => hoursOfDay('2026-02-30')).toThrow('must be a date');
    const hours = backfillHours(at('2026-11-22T13:00:00Z'), 2);
    expect(hours).toHaveLength(48);
    expect(hours[0]?.toISOString()).toBe('2026-11-20T13:00:00.000Z');
    expect(hours.at(-1)?.toISOString()).toBe('2026-11-22T12:00:00.000Z');
  });

  it('turns a service into its event source and refuses names that are not services', () => {
    expect(eventSourceOf('kms')).toBe('kms.amazonaws.com');
    expect(() => eventSourceOf('kms.amazonaws.com; drop')).toThrow('not an AWS service name');
  });
});

describe('timeseries csv', () => {
  it('writes the seed columns and formats, with none for missing values and Calls 1', () => {
    const csv = timeseriesCsv([
      event('2026-11-22T13:00:08Z'),
      event('2026-11-22T13:00:09Z', {
        AccessKeyId: undefined,
        Username: undefined,
        ReadOnly: 'false',
        EventName: 'GenerateDataKey',
      }),
    ]);

    expect(csv.split('\n')).toEqual([
      'EventTime,EventId,EventSource,EventName,ReadOnly,AccessKeyId,Username,Calls,Date',
      '2026-11-22 13:00:08+00:00,id-2026-11-22T13:00:08Z,kms.amazonaws.com,Decrypt,true,ASIAXMPL7W66TXMPLVJK,lookoutmetrics-sample-function,1,2026-11-22 13:00:08',
      '2026-11-22 13:00:09+00:00,id-2026-11-22T13:00:09Z,kms.amazonaws.com,GenerateDataKey,false,none,none,1,2026-11-22 13:00:09',
      '',
    ]);
  });

  it('quotes values holding commas or quotes (IAM session names may)', () => {
    const csv = timeseriesCsv([event('2026-11-22T13:00:08Z', { Username: 'role/ops,"night"' })]);

    expect(csv.split('\n')[1]).toContain(',"role/ops,""night""",1,');
  });

  it('writes only the header for an hour without events, so "no calls" differs from "not collected"', () => {
    expect(timeseriesCsv([])).toBe(
      'EventTime,EventId,EventSource,EventName,ReadOnly,AccessKeyId,Username,Calls,Date\n',
    );
    expect(aggregateCsv(at('2026-11-22T13:00:00Z'), [])).toBe('Date,EventName,ReadOnly,Username,Calls\n');
  });

  it('aggregates calls per event name, read-only flag and user, busiest first', () => {
    const csv = aggregateCsv(at('2026-11-22T13:00:00Z'), [
      event('2026-11-22T13:00:01Z'),
      event('2026-11-22T13:00:02Z'),
      event('2026-11-22T13:00:03Z', { EventName: 'Encrypt', ReadOnly: 'false' }),
      event('2026-11-22T13:00:04Z', { Username: undefined }),
    ]);

    expect(csv.split('\n')).toEqual([
      'Date,EventName,ReadOnly,Username,Calls',
      '2026-11-22 13:00:00,Decrypt,true,lookoutmetrics-sample-function,2',
      '2026-11-22 13:00:00,Decrypt,true,none,1',
      '2026-11-22 13:00:00,Encrypt,false,lookoutmetrics-sample-function,1',
      '',
    ]);
  });

  it('keeps the top event names for metrics and sums the rest as other', () => {
    const events = ['A', 'A', 'A', 'B', 'B', 'C', 'D'].map((name, i) =>
      event(`2026-11-22T13:00:0${i}Z`, { EventName: name }),
    );

    expect([...callsByEventName(events, 2)]).toEqual([
      ['A', 3],
      ['B', 2],
      ['other', 2],
    ]);
    expect([...callsByEventName(events, 10)]).toHaveLength(4);
  });
});

describe('pacing LookupEvents', () => {
  it('spaces calls at least the interval apart, and does not wait when enough time passed', async () => {
    let clock = 0;
    const waits: number[] = [];
    const pace = createPacer(
      500,
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );

    await pace();
    clock += 100;
    await pace();
    clock += 900;
    await pace();

    expect(waits).toEqual([400]);
  });
});

describe('collecting hours from newest-first pages', () => {
  const hours = [at('2026-11-21T22:00:00Z'), at('2026-11-21T23:00:00Z')];
  async function* pages(...list: TrailEvent[][]) {
    yield* list;
  }

  it('writes each hour once paging has passed it, empty hours included, and counts pages', async () => {
    const writes: string[] = [];

    const collection = await collectHours({
      hours: [...hours, at('2026-11-21T21:00:00Z')],
      pages: pages(
        [event('2026-11-21T23:59:00Z'), event('2026-11-21T23:10:00Z')],
        [event('2026-11-21T23:00:00Z'), event('2026-11-21T22:30:00Z')],
        [event('2026-11-21T22:01:00Z'), event('2026-11-21T20:59:59Z')],
      ),
      write: async (hour, events) => {
        writes.push(
          `${hour.toISOString().slice(11, 13)}:${events.map((e) => e.EventTime?.toISOString().slice(14, 19)).join('|')}`,
        );
      },
      outOfTime: () => false,
    });

    expect(writes).toEqual(['23:00:00|10:00|59:00', '22:01:00|30:00', '21:']);
    expect(collection.written.map((w) => [w.hour.getUTCHours(), w.events])).toEqual([
      [21, 0],
      [22, 2],
      [23, 3],
    ]);
    expect(collection.pages).toBe(3);
  });

  it('keeps the hours it finished when time runs out, and says so by name', async () => {
    const writes: number[] = [];

    await expect(
      collectHours({
        hours,
        pages: pages(
          [event('2026-11-21T23:30:00Z'), event('2026-11-21T22:59:00Z')],
          [event('2026-11-21T22:10:00Z')],
        ),
        write: async (hour) => {
          writes.push(hour.getUTCHours());
        },
        outOfTime: () => true,
      }),
    ).rejects.toMatchObject({ name: 'CollectionTimeoutError' });
    expect(writes).toEqual([23]);
  });
});

describe('timeseries requests', () => {
  const now = at('2026-11-22T13:04:00Z');

  it('defaults to the last full hour of the stack service', () => {
    expect(parseRequest({}, 'kms', now)).toEqual({
      mode: 'hour',
      service: 'kms',
      hours: [at('2026-11-22T12:00:00Z')],
    });
    expect(parseRequest(null, 'kms', now).mode).toBe('hour');
  });

  it("collects the hour before an EventBridge Scheduled Event's time, however late it is delivered", () => {
    const scheduled = {
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-22T11:00:00Z',
    };

    expect(parseRequest(scheduled, 'kms', now).hours).toEqual([at('2026-11-22T10:00:00Z')]);
  });

  it('takes an explicit service and hour, or a day with some of its hours', () => {
    expect(parseRequest({ service: 's3', hour: '2026-11-22T10:00:00Z' }, 'kms', now)).toMatchObject({
      service: 's3',
    });
    const day = parseRequest(
      { day: '2026-11-21', hours: ['2026-11-21T05:00:00Z', '2026-11-21T06:00:00Z'] },
      'kms',
      now,
    );
    expect(day).toMatchObject({ mode: 'day', day: '2026-11-21' });
    expect(day.hours.map((h) => h.getUTCHours())).toEqual([5, 6]);
  });

  it.each([
    [{ hour: '2026-11-22T13:00:00Z' }, 'has not ended yet'],
    [{ service: 7 }, 'service must be a string'],
    [{ service: 'Not A Service' }, 'not an AWS service name'],
    [{ day: '2026-11-21', hours: ['2026-11-20T05:00:00Z'] }, 'must all fall within'],
    [{ day: '2026-11-21', hours: [] }, 'non-empty list'],
    ['kms', 'JSON object'],
    [{ 'detail-type': 'Scheduled Event', time: 'soon' }, 'Scheduled Event\'s time "soon" is not a timestamp'],
    // `sam local generate-event cloudwatch scheduled-event` is dated 1970.
    [
      { 'detail-type': 'Scheduled Event', time: '1970-01-01T00:00:00Z' },
      'older than the 90 days of CloudTrail',
    ],
    [{ hour: '2026-08-01T10:00:00Z' }, 'older than the 90 days of CloudTrail'],
  ])('rejects %j with a named error', (request, message) => {
    expect(() => parseRequest(request, 'kms', now)).toThrow(message);
    expect(() => parseRequest(request, 'kms', now)).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError' }),
    );
  });
});
