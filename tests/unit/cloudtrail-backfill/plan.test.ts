import { parseBackfillRequest, planDays, summarise } from '../../../functions/cloudtrail-backfill/plan';

const now = new Date('2026-11-22T13:20:00Z');

describe('backfill planning', () => {
  it('defaults to 14 days of the stack service ending at the last full hour', () => {
    const request = parseBackfillRequest({}, 'kms', now);

    expect(request.service).toBe('kms');
    expect(request.hours).toHaveLength(14 * 24);
    expect(request.hours[0]?.toISOString()).toBe('2026-11-08T13:00:00.000Z');
    expect(request.hours.at(-1)?.toISOString()).toBe('2026-11-22T12:00:00.000Z');
  });

  it.each([
    [{ days: 91 }, 'whole number from 1 to 90'],
    [{ days: 0 }, 'whole number from 1 to 90'],
    [{ days: 2.5 }, 'whole number from 1 to 90'],
    [{ days: '14' }, 'whole number from 1 to 90'],
    [{ end: '2026-11-23T00:00:00Z' }, 'in the future'],
    [{ end: 'last tuesday' }, 'ISO-8601 UTC hour'],
    [{ service: 'KMS!' }, 'not an AWS service name'],
    [{ days: 90, end: '2026-11-01T00:00:00Z' }, "CloudTrail's 90-day window"],
    [[], 'JSON object'],
  ])('rejects %j with a BackfillValidationError', (input, message) => {
    const attempt = () => parseBackfillRequest(input, 'kms', now);

    expect(attempt).toThrow(message);
    expect(attempt).toThrow(expect.objectContaining({ name: 'BackfillValidationError' }));
  });

  it('plans the missing hours by day and skips the ones written', () => {
    const request = parseBackfillRequest({ days: 1, end: '2026-11-22T02:00:00Z' }, 'kms', now);
    const written = new Set([Date.parse('2026-11-21T02:00:00Z'), Date.parse('2026-11-22T01:00:00Z')]);

    const days = planDays(request, written);

    expect(days.map((d) => [d.day, d.hours.length])).toEqual([
      ['2026-11-21', 21],
      ['2026-11-22', 1],
    ]);
    expect(days[1]).toEqual({ service: 'kms', day: '2026-11-22', hours: ['2026-11-22T00:00:00Z'] });
  });

  it('totals what the days wrote', () => {
    expect(
      summarise({ service: 'kms', hoursSkipped: 3 }, [
        { hoursWritten: 24, hoursMetered: 10, events: 1000, eventsWithoutTime: 1, pages: 21 },
        { hoursWritten: 5, hoursMetered: 5, events: 7, eventsWithoutTime: 0, pages: 1 },
      ]),
    ).toEqual({
      service: 'kms',
      hoursWritten: 29,
      hoursMetered: 15,
      hoursNotMetered: 14,
      hoursSkipped: 3,
      events: 1007,
      eventsWithoutTime: 1,
      lookupEventsPages: 22,
      days: 2,
    });
  });
});
