import { LEASE_MS, planRun } from '../../../functions/catalog-then-etl/plan';
import { reportQueries, sqlString } from '../../../functions/catalog-then-etl/report';
import { convertedHours, fingerprint, newRawData, rawPrefix } from '../../../functions/catalog-then-etl/scan';

const NOW = new Date('2026-11-22T14:27:13.000Z');

describe('run plan', () => {
  it('looks back a number of hours up to the scheduled hour, replacing whole hours without bookmarks', () => {
    const plan = planRun({ scheduledTime: '2026-11-22T14:20:00Z' }, NOW, 3);

    expect(plan).toEqual({
      mode: 'scheduled',
      hours: ['2026-11-22T12', '2026-11-22T13', '2026-11-22T14'],
      writeMode: 'overwrite',
      bookmarkOption: 'job-bookmark-disable',
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
  const key = (hour: string, n: number) => `${rawPrefix(hour)}loglake-dev-clickstream-1-${hour}-${n}.gz`;
  const listings = [
    { hour: '2026-11-22T12', keys: [key('2026-11-22T12', 1)] },
    { hour: '2026-11-22T14', keys: [key('2026-11-22T14', 1)] },
    { hour: '2026-11-22T13', keys: [key('2026-11-22T13', 1), key('2026-11-22T13', 2)] },
    { hour: '2026-11-22T11', keys: [] },
  ];
  const WINDOW = '2026-11-22T12';

  it("converts, on a first run, every hour holding objects, and records each hour's objects", () => {
    const scan = newRawData(listings, 'scheduled', {}, WINDOW);

    expect(scan).toEqual({
      hours: ['2026-11-22T12', '2026-11-22T13', '2026-11-22T14'],
      hoursArgument: '2026-11-22T12,2026-11-22T13,2026-11-22T14',
      objects: 4,
      lateHours: [],
      converted: {
        M: {
          '2026-11-22T12': { S: fingerprint([key('2026-11-22T12', 1)]) },
          '2026-11-22T13': { S: fingerprint([key('2026-11-22T13', 2), key('2026-11-22T13', 1)]) },
          '2026-11-22T14': { S: fingerprint([key('2026-11-22T14', 1)]) },
        },
      },
    });
  });

  it('converts again an hour that got an object after it was converted, whatever its LastModified, and nothing else', () => {
    const recorded = convertedHours(newRawData(listings, 'scheduled', {}, WINDOW).converted);
    // The upload began before the hour was listed, so its LastModified is older than objects
    // listed then: a time mark would skip it.
    const late = listings.map((l) =>
      l.hour === '2026-11-22T12' ? { ...l, keys: [...l.keys, key(l.hour, 0)] } : l,
    );

    const scan = newRawData(late, 'scheduled', recorded, WINDOW);

    expect(scan).toMatchObject({ hours: ['2026-11-22T12'], objects: 2, lateHours: ['2026-11-22T12'] });
    expect(newRawData(listings, 'scheduled', recorded, WINDOW)).toMatchObject({ hours: [], objects: 0 });
  });

  it('converts every hour with objects on a manual run, keeping the record of the window only', () => {
    const recorded = {
      '2026-11-20T00': '1:aaaa',
      ...convertedHours(newRawData(listings, 'scheduled', {}, WINDOW).converted),
    };

    const manual = newRawData(listings, 'manual', recorded, '2026-11-22T13');

    expect(manual.hours).toEqual(['2026-11-22T12', '2026-11-22T13', '2026-11-22T14']);
    expect(Object.keys(manual.converted.M).sort()).toEqual(['2026-11-22T13', '2026-11-22T14']);
  });

  it('reads the record as the state item holds it, ignoring what is not a string', () => {
    expect(convertedHours({ M: { '2026-11-22T12': { S: '1:ab' }, bad: {} } })).toEqual({
      '2026-11-22T12': '1:ab',
    });
    expect(convertedHours(undefined)).toEqual({});
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
