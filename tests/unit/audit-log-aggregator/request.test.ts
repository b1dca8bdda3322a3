import { targetName } from '../../../functions/audit-log-aggregator/layout';
import { batchIdOfSchedule, parseAggregationRequest } from '../../../functions/audit-log-aggregator/request';

describe('aggregation request', () => {
  it('takes a manual batch id and splits each source URI into bucket and key', () => {
    const request = parseAggregationRequest({
      batchId: '2026-11-22T1300',
      sources: [{ customer: 'acme', uri: 's3://wau-acme-audit/exports/2026-11-22/' }],
    });

    expect(request).toEqual({
      batchId: '2026-11-22T1300',
      sources: [
        {
          customer: 'acme',
          uri: 's3://wau-acme-audit/exports/2026-11-22/',
          bucket: 'wau-acme-audit',
          key: 'exports/2026-11-22/',
        },
      ],
    });
  });

  it('names a scheduled batch after the scheduled hour and minute, in UTC', () => {
    expect(batchIdOfSchedule('2026-11-22T13:00:00Z')).toBe('2026-11-22T1300');
    expect(batchIdOfSchedule('2026-11-22T14:15:00+01:00')).toBe('2026-11-22T1315');
  });

  it.each([
    [
      'a batch id with a dot (the token is <id>.token)',
      { batchId: 'a.b', sources: [{ customer: 'acme', uri: 's3://b-1/k' }] },
      'batchId "a.b"',
    ],
    [
      'a batch id with a slash',
      { batchId: 'a/b', sources: [{ customer: 'acme', uri: 's3://b-1/k' }] },
      'batchId "a/b"',
    ],
    ['no sources', { batchId: 'b', sources: [] }, 'sources must be a non-empty list'],
    [
      'an upper-case customer',
      { batchId: 'b', sources: [{ customer: 'Acme', uri: 's3://b-1/k' }] },
      'sources[0].customer "Acme"',
    ],
    [
      'a customer that would break the partition path',
      { batchId: 'b', sources: [{ customer: 'a=b', uri: 's3://b-1/k' }] },
      'sources[0].customer "a=b"',
    ],
    [
      'a URI that is not s3://',
      { batchId: 'b', sources: [{ customer: 'acme', uri: 'https://b-1/k' }] },
      'sources[0].uri: "https://b-1/k" is not an s3://bucket/key URI',
    ],
    [
      'a scheduled time that is not a time',
      { scheduledTime: 'soon', sources: [{ customer: 'acme', uri: 's3://b-1/k' }] },
      'scheduledTime "soon"',
    ],
    ['an array', [], 'the request must be a JSON object'],
    [
      'an EventBridge rule event (sam local generate-event cloudwatch scheduled-event)',
      { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '1970-01-01T00:00:00Z', detail: {} },
      'an EventBridge "Scheduled Event" event from aws.events is not an aggregation request: send { batchId, sources }',
    ],
  ])('refuses %s', (_case, event, message) => {
    expect(() => parseAggregationRequest(event)).toThrow(
      expect.objectContaining({ name: 'AggregationRequestError', message: expect.stringContaining(message) }),
    );
  });
});

describe('copy names', () => {
  it.each([
    ['exports/2026-11-22/audit-000.csv', 'exports/2026-11-22/', 'audit-000.csv'],
    ['2026/11/22/audit.csv', '', '2026_11_22_audit.csv'],
    ['exports/2026-11-22/audit-000.csv', 'exports/2026-11-22/audit-000.csv', 'audit-000.csv'],
    ['exports/day 1/audit.txt', 'exports/', 'day-1_audit.txt.csv'],
  ])('copies %s under %s as %s', (key, prefix, name) => {
    expect(targetName(key, prefix)).toBe(name);
  });
});
