import { decodeApache, parseAccessLogLine } from '../../../functions/clickstream-transform/access-log';

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function entryOf(line: string) {
  const parsed = parseAccessLogLine(line);
  if (parsed.kind !== 'entry') throw new Error(`expected an entry, got ${JSON.stringify(parsed)}`);
  return parsed;
}

describe('access log parser', () => {
  it('parses every field of a combined line and converts the time to UTC', () => {
    const { entry, utc } = entryOf(
      `192.168.1.20 - - [22/Nov/2026:13:05:09 +0100] "GET /index.html?a=1 HTTP/1.1" 200 5120 "https://loglake.example/start" "${UA}"`,
    );

    expect(entry).toEqual({
      host: '192.168.1.20',
      ident: null,
      authuser: null,
      '@timestamp': '2026-11-22T13:05:09+01:00',
      '@timestamp_utc': '2026-11-22T12:05:09Z',
      timezone: '+0100',
      request: 'GET /index.html?a=1 HTTP/1.1',
      verb: 'GET',
      path: '/index.html?a=1',
      protocol: 'HTTP/1.1',
      response: 200,
      bytes: 5120,
      referer: 'https://loglake.example/start',
      'user-agent': UA,
    });
    expect(utc).toEqual({ year: '2026', month: '11', day: '22', hour: '12' });
  });

  it('parses a common-format line, keeping authuser and leaving referer and agent null', () => {
    const { entry } = entryOf(
      '10.0.0.7 - frank [10/Oct/2026:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
    );

    expect(entry).toMatchObject({
      host: '10.0.0.7',
      ident: null,
      authuser: 'frank',
      '@timestamp': '2026-10-10T13:55:36-07:00',
      '@timestamp_utc': '2026-10-10T20:55:36Z',
      timezone: '-0700',
      response: 200,
      bytes: 2326,
      referer: null,
      'user-agent': null,
    });
    expect(entry).not.toHaveProperty('username');
  });

  it('takes the username from the clickstream cookie field', () => {
    const { entry } = entryOf(
      `172.31.5.12 - - [22/Nov/2026:13:05:09 +0000] "GET /wp-login.php?action=register HTTP/1.1" 200 3820 "-" "${UA}" "user = alice; wordpress_test_cookie=WP+Cookie+check"`,
    );

    expect(entry.username).toBe('alice');
    expect(entry.referer).toBeNull();
    expect(entry.path).toBe('/wp-login.php?action=register');
  });

  it('gives a null username when the cookie field has no user part', () => {
    const { entry } = entryOf(
      `172.31.5.14 - - [22/Nov/2026:13:07:02 +0000] "GET /?p=42 HTTP/1.1" 200 12873 "-" "${UA}" "wordpress_test_cookie=WP+Cookie+check"`,
    );

    expect(entry.username).toBeNull();
  });

  it('reads a "-" byte count as 0 (the seed ETL rejected these lines)', () => {
    const { entry } = entryOf(
      '203.0.113.9 - - [22/Nov/2026:00:15:00 +0000] "HEAD /health HTTP/1.1" 304 - "-" "ELB-HealthChecker/2.0"',
    );

    expect(entry.bytes).toBe(0);
    expect(entry.response).toBe(304);
    expect(entry.verb).toBe('HEAD');
  });

  it('accepts IPv6 clients and moves the partition to the next UTC day when the offset says so', () => {
    const { entry, utc } = entryOf(
      '2001:db8::1 - - [22/Nov/2026:23:59:59 -0500] "GET /x HTTP/2.0" 200 1043 "-" "curl/8.5.0"',
    );

    expect(entry.host).toBe('2001:db8::1');
    expect(entry['@timestamp_utc']).toBe('2026-11-23T04:59:59Z');
    expect(utc).toEqual({ year: '2026', month: '11', day: '23', hour: '04' });
    expect(entry.protocol).toBe('HTTP/2.0');
  });

  it('unescapes quotes inside the request and the user agent', () => {
    const { entry } = entryOf(
      '198.51.100.4 - - [22/Nov/2026:10:00:00 +0000] "GET /search?q=\\"loglake\\" HTTP/1.1" 404 512 "-" "Agent \\"quoted\\" v1"',
    );

    expect(entry.request).toBe('GET /search?q="loglake" HTTP/1.1');
    expect(entry.path).toBe('/search?q="loglake"');
    expect(entry['user-agent']).toBe('Agent "quoted" v1');
  });

  it('keeps raw UTF-8 paths and decodes Apache \\x byte escapes as UTF-8', () => {
    expect(
      entryOf('198.51.100.5 - - [22/Nov/2026:10:00:01 +0000] "GET /straße/日本 HTTP/2" 200 10 "-" "-"').entry
        .path,
    ).toBe('/straße/日本');
    expect(
      entryOf('198.51.100.5 - - [22/Nov/2026:10:00:01 +0000] "GET /caf\\xc3\\xa9 HTTP/1.1" 200 10 "-" "-"')
        .entry.path,
    ).toBe('/café');
  });

  it('keeps \\x escapes of bytes that are not UTF-8 recoverable: the field as logged under `escaped`', () => {
    // A Latin-1 referer (é as 0xE9) and a truncated UTF-8 path, as Apache escapes them.
    const { entry } = entryOf(
      '198.51.100.5 - - [22/Nov/2026:10:00:01 +0000] "GET /a\\xe2\\x82 HTTP/1.1" 200 10 "https://ex.example/caf\\xe9" "-"',
    );

    expect(entry.referer).toBe('https://ex.example/caf\ufffd');
    expect(entry.escaped).toEqual({
      request: 'GET /a\\xe2\\x82 HTTP/1.1',
      referer: 'https://ex.example/caf\\xe9',
    });
    const bytes = (logged: string) =>
      Buffer.from(
        logged.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        ),
        'latin1',
      );
    expect([...bytes(entry.escaped?.referer as string).subarray(-4)]).toEqual([0x63, 0x61, 0x66, 0xe9]);
    expect(
      entryOf('198.51.100.5 - - [22/Nov/2026:10:00:01 +0000] "GET /caf\\xc3\\xa9 HTTP/1.1" 200 10 "-" "-"')
        .entry,
    ).not.toHaveProperty('escaped');
  });

  it('accepts HTTP/2 request lines without a minor version', () => {
    const { entry } = entryOf('198.51.100.5 - - [22/Nov/2026:10:00:01 +0000] "GET /a HTTP/2" 200 10 "-" "-"');

    expect(entry.protocol).toBe('HTTP/2');
  });

  it('ignores \\r\\n and \\n line endings', () => {
    const line = '10.0.0.7 - - [10/Oct/2026:13:55:36 -0700] "GET / HTTP/1.0" 200 1';

    expect(entryOf(`${line}\r\n`).entry).toEqual(entryOf(line).entry);
    expect(entryOf(`${line}\n`).entry).toEqual(entryOf(line).entry);
  });

  it('keeps a request that is not a request line, with null verb, path and protocol', () => {
    const { entry } = entryOf('10.0.0.9 - - [10/Oct/2026:13:55:36 +0000] "\\x16\\x03\\x01" 400 226 "-" "-"');

    expect(entry.request).toBe('\u0016\u0003\u0001');
    expect([entry.verb, entry.path, entry.protocol]).toEqual([null, null, null]);
  });

  it('turns a "-" request into null', () => {
    const { entry } = entryOf('10.0.0.9 - - [10/Oct/2026:13:55:36 +0000] "-" 408 - "-" "-"');

    expect(entry.request).toBeNull();
    expect(entry.response).toBe(408);
  });

  it('treats a timestamp without offset as UTC and says the zone is unknown', () => {
    const { entry } = entryOf('10.0.0.9 - - [10/Oct/2026:13:55:36] "GET / HTTP/1.1" 200 1');

    expect(entry['@timestamp']).toBe('2026-10-10T13:55:36Z');
    expect(entry.timezone).toBeNull();
  });

  it.each([
    ['', 'blank'],
    ['\n', 'blank'],
    ['   \r\n', 'blank'],
  ])('reports %j as blank', (line, kind) => {
    expect(parseAccessLogLine(line).kind).toBe(kind);
  });

  it.each([
    ['free text', 'this is not an access log line', 'does not match'],
    ['a truncated line', '1.2.3.4 - - [22/Nov/2026:13:05:09 +0100] "GET / HTTP/1.1" 200', 'does not match'],
    ['an unknown month', '1.2.3.4 - - [22/Foo/2026:13:05:09 +0100] "GET / HTTP/1.1" 200 1', 'unknown month'],
    [
      'the 31st of November',
      '1.2.3.4 - - [31/Nov/2026:13:05:09 +0100] "GET / HTTP/1.1" 200 1',
      'out of range',
    ],
    ['hour 24', '1.2.3.4 - - [30/Nov/2026:24:05:09 +0100] "GET / HTTP/1.1" 200 1', 'out of range'],
    [
      'an unterminated quote',
      '1.2.3.4 - - [22/Nov/2026:13:05:09 +0100] "GET / HTTP/1.1 200 1',
      'does not match',
    ],
    [
      'trailing garbage',
      '1.2.3.4 - - [22/Nov/2026:13:05:09 +0100] "GET / HTTP/1.1" 200 1 junk',
      'does not match',
    ],
    // Date.UTC would read 0099 as 1999: the line would land in the wrong partition.
    [
      'a year before 0100',
      '1.2.3.4 - - [22/Nov/0099:13:05:09 +0000] "GET / HTTP/1.1" 200 5',
      'year 0099 is before 1000',
    ],
    [
      'a byte count too long for a number',
      '1.2.3.4 - - [22/Nov/2026:13:05:09 +0000] "GET / HTTP/1.1" 200 99999999999999999999999',
      'byte count 99999999999999999999999 is larger than a number holds exactly',
    ],
  ])('rejects %s with a reason', (_name, line, reason) => {
    const parsed = parseAccessLogLine(line);

    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.reason).toContain(reason);
  });
});

describe('apache unescaping', () => {
  it('leaves strings without escapes untouched and decodes the escapes Apache writes', () => {
    expect(decodeApache('plain')).toEqual({ text: 'plain', lossy: false });
    expect(decodeApache('a\\\\b\\"c\\td\\ne\\x41')).toEqual({ text: 'a\\b"c\td\neA', lossy: false });
    expect(decodeApache('trailing\\').text).toBe('trailing\\');
  });

  it('says when \\x escapes are bytes that are not UTF-8', () => {
    expect(decodeApache('caf\\xc3\\xa9')).toEqual({ text: 'café', lossy: false });
    expect(decodeApache('caf\\xe9')).toEqual({ text: 'caf\ufffd', lossy: true });
  });
});
