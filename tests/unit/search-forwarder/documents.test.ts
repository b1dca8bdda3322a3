import {
  documentsOf,
  NotAnObjectCreatedEventError,
  objectOfEvent,
} from '../../../functions/search-forwarder/documents';

const RAW = 'loglake-dev-raw-123456789012-eu-west-1';
const created = (bucket: string, key: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: bucket }, object: { key, size: 10 } },
    ...extra,
  });

describe('objectOfEvent', () => {
  it('reads the bucket and key of an Object Created event for the raw zone', () => {
    expect(objectOfEvent(created(RAW, 'clickstream/year=2026/month=11/day=22/hour=13/a.gz'), RAW)).toEqual({
      bucket: RAW,
      key: 'clickstream/year=2026/month=11/day=22/hour=13/a.gz',
    });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    [
      'another event',
      created(RAW, 'clickstream/a.gz', { 'detail-type': 'Object Deleted' }),
      /not an S3 Object Created event.*Object Deleted/,
    ],
    [
      'no key',
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }),
      /names no detail.bucket.name/,
    ],
    ['another bucket', created('someone-elses', 'clickstream/a.gz'), /someone-elses is not the raw zone/],
    ['another prefix', created(RAW, 'dynamodb/a.gz'), /dynamodb\/a.gz is not a clickstream object/],
  ])('refuses %s by name, saying why', (_, body, reason) => {
    expect(() => objectOfEvent(body, RAW)).toThrow(NotAnObjectCreatedEventError);
    expect(() => objectOfEvent(body, RAW)).toThrow(reason);
  });
});

describe('documentsOf', () => {
  it('gives each line as one document, without its line ending, skipping empty lines', () => {
    const docs = documentsOf(Buffer.from('{"a":1}\n{"b":2}\r\n\n{"c":3}'));
    expect(docs.map(String)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('gives none for an empty object', () => {
    expect(documentsOf(Buffer.alloc(0))).toEqual([]);
  });

  it('keeps the bytes as they are (UTF-8 beyond ASCII included)', () => {
    const line = Buffer.from('{"path":"/caf\u00e9"}');
    expect(documentsOf(Buffer.concat([line, Buffer.from('\n')]))[0]).toEqual(line);
  });
});
