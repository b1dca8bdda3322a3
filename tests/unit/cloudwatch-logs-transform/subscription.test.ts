import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DataMessage,
  decodeSubscriptionPayload,
  logEventLines,
  partitionKeysOf,
  sanitiseLogGroup,
  splitPayload,
} from '../../../functions/cloudwatch-logs-transform/subscription';

const message: DataMessage = {
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: '/aws/lambda/checkout-api',
  logStream: '2026/11/22/[$LATEST]abc',
  subscriptionFilters: ['f'],
  logEvents: [
    { id: 'e1', timestamp: Date.UTC(2026, 10, 22, 13, 5, 9, 120), message: 'plain text\n' },
    { id: 'e2', timestamp: Date.UTC(2026, 10, 22, 14, 0, 0), message: '{"level":"INFO","n":1}' },
  ],
};
const gz = (value: unknown) =>
  gzipSync(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('cloudwatch logs subscription payload', () => {
  it('decodes a DATA_MESSAGE', () => {
    expect(decodeSubscriptionPayload(gz(message))).toEqual({ kind: 'data', message });
  });

  it('recognises a CONTROL_MESSAGE', () => {
    expect(decodeSubscriptionPayload(gz({ messageType: 'CONTROL_MESSAGE', logEvents: [] }))).toEqual({
      kind: 'control',
    });
  });

  it.each([
    ['bytes that are not gzip', Buffer.from('plain'), 'not a gzip payload'],
    ['gzip of text that is not JSON', gz('{ nope'), 'not JSON'],
    ['an unknown messageType', gz({ ...message, messageType: 'OTHER' }), 'unknown messageType "OTHER"'],
    ['a DATA_MESSAGE without logGroup', gz({ ...message, logGroup: 7 }), 'string logGroup'],
    ['logEvents that is not an array', gz({ ...message, logEvents: {} }), 'logEvents array'],
    // The owner becomes the account=... path segment: nothing else may pass for it.
    ['an owner that is not an account id', gz({ ...message, owner: '../other' }), 'owner is not a 12-digit'],
    ['an 11-digit owner', gz({ ...message, owner: '12345678901' }), 'owner is not a 12-digit'],
    [
      'an event without a timestamp',
      gz({ ...message, logEvents: [{ id: 'x', message: 'm' }] }),
      'logEvents[0]',
    ],
    ['JSON null', gz('null'), 'unknown messageType'],
    [
      'a timestamp past year 9999',
      gz({ ...message, logEvents: [{ id: 'x', message: 'm', timestamp: 1e20 }] }),
      'years 1970-9999',
    ],
    [
      'a timestamp as a string',
      gz({ ...message, logEvents: [{ id: 'x', message: 'm', timestamp: '1' }] }),
      'logEvents[0]',
    ],
  ])('rejects %s with a reason', (_name, payload, reason) => {
    const decoded = decodeSubscriptionPayload(payload);

    expect(decoded.kind).toBe('invalid');
    expect(decoded.kind === 'invalid' && decoded.reason).toContain(reason);
  });

  it('rejects a payload holding bytes that are not UTF-8 instead of replacing them', () => {
    const latin1 = Buffer.from(JSON.stringify(message).replace('plain text', 'caf@'));
    latin1[latin1.indexOf('caf@') + 3] = 0xe9;

    expect(decodeSubscriptionPayload(gzipSync(latin1))).toEqual({
      kind: 'invalid',
      reason: `payload byte ${latin1.indexOf(0xe9)} (after gunzip) is not UTF-8`,
    });
  });

  it('refuses to expand a payload past the decompression cap', () => {
    const bomb = gzipSync(Buffer.alloc(2_000_000, 'a'));

    expect(decodeSubscriptionPayload(bomb, 1_000_000)).toMatchObject({ kind: 'invalid' });
  });

  it('writes one JSON line per event with every field, keeping JSON messages as JSON', () => {
    const lines = logEventLines(message).split('\n');

    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        timestamp: '2026-11-22T13:05:09.120Z',
        message: 'plain text\n',
        logGroup: '/aws/lambda/checkout-api',
        logStream: '2026/11/22/[$LATEST]abc',
        owner: '123456789012',
        id: 'e1',
      },
      {
        timestamp: '2026-11-22T14:00:00.000Z',
        message: { level: 'INFO', n: 1 },
        logGroup: '/aws/lambda/checkout-api',
        logStream: '2026/11/22/[$LATEST]abc',
        owner: '123456789012',
        id: 'e2',
      },
    ]);
  });

  it('keeps JSON messages with surrounding spaces or line breaks as JSON, on one line', () => {
    const text = logEventLines({
      ...message,
      logEvents: [
        { id: 'a', timestamp: 5, message: '  {"level":"INFO","nested":{"k":[1,2]}}  \n' },
        { id: 'b', timestamp: 1_795_352_709_007, message: '{\n  "pretty": true,\n  "n": 2\n}' },
        { id: 'c', timestamp: 1_795_352_709_070, message: '[1, "two"]' },
      ],
    });

    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => JSON.parse(line).message)).toEqual([
      { level: 'INFO', nested: { k: [1, 2] } },
      { pretty: true, n: 2 },
      [1, 'two'],
    ]);
    expect(lines.map((line) => JSON.parse(line).timestamp)).toEqual([
      '1970-01-01T00:00:00.005Z',
      '2026-11-22T13:05:09.007Z',
      '2026-11-22T13:05:09.070Z',
    ]);
  });

  it('escapes log group, stream and owner names that need it', () => {
    const line = logEventLines({
      ...message,
      logGroup: 'a"b\\c',
      logEvents: [{ id: 'i', timestamp: 0, message: 'm' }],
    });

    expect(JSON.parse(line).logGroup).toBe('a"b\\c');
  });

  it('keeps messages that only look like JSON as text', () => {
    const lines = logEventLines({ ...message, logEvents: [{ id: 'x', timestamp: 0, message: '{broken' }] });

    expect(JSON.parse(lines).message).toBe('{broken');
  });

  it('partitions by the sending account, the sanitised log group and the UTC hour of the first event', () => {
    expect(partitionKeysOf(message)).toEqual({
      account: '123456789012',
      logGroup: 'aws_lambda_checkout-api',
      year: '2026',
      month: '11',
      day: '22',
      hour: '13',
    });
  });

  it.each([
    ['/aws/lambda/fn', 'aws_lambda_fn'],
    ['API-Gateway-Execution-Logs_abc/prod', 'API-Gateway-Execution-Logs_abc_prod'],
    ['my group#1', 'my_group_1'],
    ['/', '_'],
  ])('sanitises %s as %s', (group, expected) => {
    expect(sanitiseLogGroup(group)).toBe(expected);
  });

  it('splits a payload into gzip pieces of bounded decoded size, losing and repeating nothing', () => {
    const many: DataMessage = {
      ...message,
      logEvents: Array.from({ length: 500 }, (_, n) => ({
        id: `e${n}`,
        timestamp: 1_795_000_000_000 + n,
        message: 'x'.repeat(300),
      })),
    };

    const pieces = splitPayload(many, 20_000);

    const decoded = pieces.map((piece) => JSON.parse(gunzipSync(piece).toString()) as DataMessage);
    expect(pieces.length).toBeGreaterThan(5);
    expect(decoded.flatMap((d) => d.logEvents)).toEqual(many.logEvents);
    for (const piece of decoded) {
      expect({ ...piece, logEvents: [] }).toEqual({ ...many, logEvents: [] });
      expect(Buffer.byteLength(logEventLines(piece))).toBeLessThanOrEqual(20_000);
    }
  });
});
