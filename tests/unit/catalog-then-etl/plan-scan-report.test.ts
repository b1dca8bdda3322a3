import { LEASE_MS, planRun } from '../../../functions/catalog-then-etl/plan';
import { reportQueries, sqlString } from '../../../functions/catalog-then-etl/report';
import { EPOCH, newRawData, rawPrefix } from '../../../functions/catalog-then-etl/scan';

const NOW = new Date('2026-11-22T14:27:13.000Z');

describe('run plan', () => {
  it('looks back a number of hours up to the scheduled hour, appending with bookmarks', () => {
    const plan = planRun({ scheduledTime: '2026-11-22T14:20:00Z' }, NOW, 3);

    expect(plan).toEqual({
      mode: 'scheduled',
      hours: ['2026-11-22T12', '2026-11-22T13', '2026-11-22T14'],
      writeMode: 'append',
      bookmarkOption: 'job-bookmark-enable',
      now: NOW.toISOString(),
      leaseUntil: new Date(NOW.getTime() + LEASE_MS).toISOString(),
    });
  });

  it('takes the current hour when started by hand without input', () => {
    expect(planRun({}, NOW, 1).hours).toEqual(['2026-11-22T14']);
    expect(planRun(undefined, NOW, 2).hours).toEqual(['2026-11-22T13', '2026-11-22T14']);
  });

  it('covers a manual range whole, replacing its hours with bookmarks off', () => {
    const plan = planRun({ from: '2026-11-21T22', to: '2026-11-22T01' }, NOW, 48);

    expect(plan).toMatchObject({
      mode: 'manual',
      hours: ['2026-11-21T22', '2026-11-21T23', '2026-11-22T00', '2026-11-22T01'],
      writeMode: 'overwrite',
      bookmarkOption: 'job-bookmark-disable',
    });
  });

  it.each([
    [{ from: '2026-11-22 01', to: '2026-11-22T02' }, 'from "2026-11-22 01" must be an hour'],
    [{ from: '2026-11-22T25', to: '2026-11-22T02' }, 'from "2026-11-22T25" must be an hour'],
    [{ from: '2026-11-22T01' }, 'to undefined must be an hour'],
    [{ from: '2026-11-22T03', to: '2026-11-22T02' }, 'to 2026-11-22T02 is before from 2026-11-22T03'],
    [{ from: '2026-11-22T03', to: '2026-11-22T15' }, 'to 2026-11-22T15 is in the future'],
    [{ from: '2026-11-01T00', to: '2026-11-08T00' }, 'spans 169 hours; at most 168'],
    [{ scheduledTime: 'soon' }, 'scheduledTime "soon" is not a timestamp'],
    [[1], 'the input must be a JSON object'],
  ])('rejects %j by name', (input, message) => {
    expect(() => planRun(input, NOW, 48)).toThrow(
      expect.objectContaining({ name: 'RunRequestError', message: expect.stringContaining(message) }),
    );
  });
});

describe('new raw data', () => {
  const listings = [
    { hour: '2026-11-22T12', lastModified: ['2026-11-22T13:05:00.000Z'] },
    { hour: '2026-11-22T14', lastModified: ['2026-11-22T14:09:30.000Z'] },
    { hour: '2026-11-22T13', lastModified: ['2026-11-22T13:20:00.000Z', '2026-11-22T14:04:00.000Z'] },
    { hour: '2026-11-22T11', lastModified: [] },
  ];

  it('keeps the hours with objects newer than the mark and moves the mark to the newest object', () => {
    expect(newRawData(listings, 'scheduled', '2026-11-22T13:30:00.000Z')).toEqual({
      hours: ['2026-11-22T13', '2026-11-22T14'],
      hoursArgument: '2026-11-22T13,2026-11-22T14',
      objects: 2,
      highWaterMark: '2026-11-22T13:30:00.000Z',
      newHighWaterMark: '2026-11-22T14:09:30.000Z',
    });
  });

  it('takes everything on a first run, and every hour with objects on a manual run, never moving the mark back', () => {
    expect(newRawData(listings, 'scheduled').objects).toBe(4);
    expect(newRawData(listings, 'scheduled').highWaterMark).toBe(EPOCH);
    const manual = newRawData(listings, 'manual', '2026-11-23T00:00:00.000Z');
    expect(manual.hours).toEqual(['2026-11-22T12', '2026-11-22T13', '2026-11-22T14']);
    expect(manual.newHighWaterMark).toBe('2026-11-23T00:00:00.000Z');
  });

  it('lists the prefix Firehose writes each request hour to', () => {
    expect(rawPrefix('2026-11-02T07')).toBe('clickstream/year=2026/month=11/day=02/hour=07/');
  });
});

describe('report queries', () => {
  it('binds the range and the sign-up and sign-in paths as quoted literals, in the order of the SQL', () => {
    const { hourlySummary, topPaths } = reportQueries(['2026-11-21T23', '2026-11-22T00'], {
      signUp: "/join?who='me'",
      signIn: '/login',
    });

    expect(hourlySummary.executionParameters).toEqual([
      "'/join?who=''me'''",
      "'/login'",
      "'/join?who=''me'''",
      "'2026-11-21'",
      "'2026-11-22'",
      "'2026-11-2123'",
      "'2026-11-2200'",
    ]);
    expect(hourlySummary.queryString.match(/\?/g)).toHaveLength(7);
    expect(topPaths.executionParameters).toEqual([
      "'2026-11-21'",
      "'2026-11-22'",
      "'2026-11-2123'",
      "'2026-11-2200'",
    ]);
    expect(topPaths.queryString.match(/\?/g)).toHaveLength(4);
    expect(() => reportQueries([], { signUp: '/a', signIn: '/b' })).toThrow('at least one hour');
    expect(sqlString("it's")).toBe("'it''s'");
  });
});
