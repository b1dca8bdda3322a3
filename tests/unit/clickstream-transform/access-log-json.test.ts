import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import fc from 'fast-check';
import { accessLogLine, random } from '../../../bench/inputs';
import { parseAccessLogLine } from '../../../functions/clickstream-transform/access-log';
import {
  writeAccessLogJson,
  writtenDocument,
  writtenRequestHour,
} from '../../../functions/clickstream-transform/access-log-json';
import {
  clickstreamTransform,
  newTransformStats,
  type TransformStats,
} from '../../../functions/clickstream-transform/transform';
import { REPO_ROOT } from '../../../offline/fixtures';

/**
 * The fast path against its oracle, the reference parser: for any line, the response is the
 * same bytes; for every line the fast path claims to know, it does answer (so it cannot pass
 * by declining everything). A fixed seed keeps CI reproducible; FC_SEED=<n> explores others.
 */
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });
// Bounded in time on a busy machine; each run is a batch, so thousands of lines either way.
const BOUNDED = { numRuns: 1500, interruptAfterTimeLimit: 20_000 } as const;

type Record_ = Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>;

function transformBoth(records: readonly Record_[]) {
  const fastStats = newTransformStats();
  const referenceStats = newTransformStats();
  const fast = clickstreamTransform(fastStats);
  const reference = clickstreamTransform(referenceStats, 'reference');
  const fastResults: FirehoseTransformationResultRecord[] = records.map((r) => fast(r));
  const referenceResults: FirehoseTransformationResultRecord[] = records.map((r) => reference(r));
  return {
    fast: { response: JSON.stringify({ records: fastResults }), stats: fastStats },
    reference: { response: JSON.stringify({ records: referenceResults }), stats: referenceStats },
  };
}

const asRecords = (lines: readonly Uint8Array[]): Record_[] =>
  lines.map((bytes, n) => ({
    recordId: `49546986683135544286507457936321625675700192471156785154${n}`,
    data: Buffer.from(bytes).toString('base64'),
  }));

function expectSameResponses(lines: readonly Uint8Array[]) {
  const { fast, reference } = transformBoth(asRecords(lines));
  expect(fast.response).toBe(reference.response);
  expect(fast.stats).toEqual<TransformStats>(reference.stats);
}

/** The fast path answers this line itself, with the reference's document and partition keys. */
function expectFastPathAnswers(line: Uint8Array) {
  const parsed = parseAccessLogLine(Buffer.from(line).toString('utf8'));
  if (parsed.kind !== 'entry')
    throw new Error(`the reference rejects ${JSON.stringify(Buffer.from(line).toString())}`);
  const written = writeAccessLogJson(line, line.length);
  expect({ line: Buffer.from(line).toString(), accepted: written >= 0 }).toEqual({
    line: Buffer.from(line).toString(),
    accepted: true,
  });
  expect(writtenDocument(written).toString('utf8')).toBe(`${JSON.stringify(parsed.entry)}\n`);
  expect(writtenRequestHour().metadata.partitionKeys).toEqual(parsed.utc);
}

// ---- generators: pieces the fast path knows, then everything else

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** `[dd/Mon/yyyy:HH:MM:SS ±hhmm]`, valid: from year 1000 to 9999, offsets up to ±18:00 (or none). */
const validTime = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1000, max: 9999 }), fc.constantFrom(1000, 2024, 2026, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    offset: fc.option(fc.integer({ min: -18 * 60, max: 18 * 60 }), { freq: 5 }),
  })
  .map(({ year, month, day, hour, minute, second, offset }) => {
    const zone =
      offset === null
        ? ''
        : ` ${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
    return `${pad(Math.min(day, daysIn(year, month)))}/${MONTHS[month - 1]}/${year}:${pad(hour)}:${pad(minute)}:${pad(second)}${zone}`;
  });

/** Times the reference rejects, or that only look like times. */
const oddTime = fc.oneof(
  fc.constantFrom(
    '31/Feb/2026:13:05:09 +0000',
    '29/Feb/2025:00:00:00 +0000',
    '29/Feb/2024:00:00:00 +0000',
    '22/Foo/2026:13:05:09 +0000',
    '22/nov/2026:13:05:09 +0000',
    '22/Nov/0999:13:05:09 +0000',
    '01/Jan/1000:00:00:00 +0100',
    '31/Dec/9999:23:59:59 -0100',
    '22/Nov/2026:24:00:00 +0000',
    '22/Nov/2026:13:60:00 +0000',
    '22/Nov/2026:13:05:60 +0000',
    '22/Nov/2026:13:05:6 +0000',
    '22/Nov/2026:13:05:09 +1801',
    '22/Nov/2026:13:05:09 +1800',
    '22/Nov/2026:13:05:09 +0060',
    '22/Nov/2026:13:05:09 0000',
    '22/Nov/2026:13:05:09  +0000',
    '22/Nov/2026 13:05:09 +0000',
    '00/Nov/2026:13:05:09 +0000',
    '2/Nov/2026:13:05:09 +0000',
  ),
  fc.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}( [+-]\d{4})?$/),
);

const SAFE_ASCII = /^[ !#-[\]-~]$/; // printable, no `"` or `\`
const safeAsciiChar = fc.stringMatching(SAFE_ASCII);
/** Code points a `\xhh` run may spell and the fast path writes as bytes: UTF-8, no JSON escape. */
const escapableCodePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7f }).filter((c) => c !== 0x22 && c !== 0x5c),
  fc.integer({ min: 0x80, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0x10ffff }),
  fc.constantFrom(0xa0, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff, 0xe9, 0x2d),
);
const byteEscapes = (bytes: Uint8Array) =>
  [...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
const hexRun = fc
  .array(escapableCodePoint, { minLength: 1, maxLength: 3 })
  .map((points) => byteEscapes(Buffer.from(String.fromCodePoint(...points))));
/** Raw (unescaped) characters beyond ASCII, Unicode spaces among them. */
const rawNonAscii = fc.constantFrom(
  'é',
  'ü',
  '€',
  '😀',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\ufeff',
  '\u1680',
  '\u205f',
);

/** One character of a quoted field, as the fast path knows them. */
const knownQuotedPiece = fc.oneof(
  { weight: 12, arbitrary: safeAsciiChar },
  { weight: 2, arbitrary: fc.constantFrom('\\"', '\\\\', '\\n', '\\t', '\\r') },
  { weight: 2, arbitrary: hexRun },
  { weight: 1, arbitrary: hexRun.map((run) => run.toUpperCase().replaceAll('\\X', '\\x')) },
  { weight: 1, arbitrary: rawNonAscii },
);
const knownQuoted = fc.oneof(
  { weight: 8, arbitrary: fc.array(knownQuotedPiece, { maxLength: 30 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('-', '', '\\x2d', ' ') },
);
const pathPiece = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[!#-[\]-~]$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\\"', '\\\\', 'é', '\\xc3\\xa9', '\u00a0', '\\xe3\\x80\\x80', '\\t'),
  },
);
const knownRequest = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        verb: fc.oneof(
          fc.constantFrom('GET', 'POST', 'HEAD', 'PROPFIND', 'M-SEARCH', 'X_Y'),
          fc.stringMatching(/^[A-Za-z_-]{1,6}$/),
        ),
        path: fc.array(pathPiece, { minLength: 0, maxLength: 25 }).map((p) => p.join('')),
        protocol: fc.constantFrom(
          'HTTP/1.1',
          'HTTP/1.0',
          'HTTP/2.0',
          'HTTP/2',
          'HTTP/3',
          'HTTP/1.',
          'HTTP/11',
          'HTTPS/1.1',
          'HTTP/1.1.1',
          'http/1.1',
        ),
        gaps: fc.constantFrom(
          ['', ' ', ' ', ''],
          ['', ' ', ' ', ''],
          ['', ' ', ' ', ''],
          [' ', ' ', ' ', ''],
          ['', '  ', ' ', ''],
          ['', ' ', ' ', ' '],
        ),
      })
      .map(
        ({ verb, path, protocol, gaps }) =>
          `${gaps[0]}${verb}${gaps[1]}${path}${gaps[2]}${protocol}${gaps[3]}`,
      ),
  },
  { weight: 2, arbitrary: knownQuoted },
);
const plainToken = fc.stringMatching(/^[!#-[\]-~]{1,24}$/);
const knownCookie = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'user = alice',
        'user=bob',
        ' user = carol ',
        'user = -',
        'user =',
        'user',
        '=user',
        'x=user',
        'users = x',
        ' user=a=b',
        '',
      ),
      fc.stringMatching(/^[ !#-:<-[\]-~]{0,16}$/),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join(';'));

const lineEnd = fc.constantFrom('', '\n', '\n', '\r\n', '\n\r\n', ' ', '\t \n');

interface LineParts {
  host: string;
  ident: string;
  authuser: string;
  time: string;
  request: string;
  status: string;
  bytes: string;
  tail: string[];
  end: string;
}

const render = (p: LineParts) =>
  `${p.host} ${p.ident} ${p.authuser} [${p.time}] "${p.request}" ${p.status} ${p.bytes}${p.tail.map((q) => ` "${q}"`).join('')}${p.end}`;

/** Lines built only from what the fast path claims to know: it must answer every one. */
const knownLine = (
  time: fc.Arbitrary<string>,
  quoted: fc.Arbitrary<string> = knownQuoted,
  request: fc.Arbitrary<string> = knownRequest,
  cookie: fc.Arbitrary<string> = knownCookie,
) =>
  fc
    .record({
      host: fc.oneof(fc.ipV4(), fc.ipV6(), plainToken),
      ident: fc.oneof(fc.constant('-'), plainToken),
      authuser: fc.oneof(fc.constant('-'), plainToken),
      time,
      request,
      status: fc.stringMatching(/^\d{3}$/),
      bytes: fc.oneof(fc.constant('-'), fc.stringMatching(/^\d{1,15}$/)),
      tail: fc.oneof(fc.constant([] as string[]), fc.tuple(quoted, quoted), fc.tuple(quoted, quoted, cookie)),
      end: lineEnd,
    })
    .map((parts) => Buffer.from(render(parts)));

/** Pieces the fast path declines or the reference rejects: each must still answer the same. */
const unknownQuotedPiece = fc.oneof(
  fc.constantFrom(
    '\\a',
    '\\x',
    '\\xg1',
    '\\x0',
    '\\x09',
    '\\x22',
    '\\x5c',
    '\\x00',
    '\\xff',
    '\\xc3',
    '\\xc3\\x28',
    '\\xed\\xa0\\x80',
    '\\xf4\\x90\\x80\\x80',
    '\\',
    '\t',
    '\x01',
    '\x7f',
    '\\\u00e9',
    '\\\n',
  ),
  fc.integer({ min: 0, max: 255 }).map((b) => `\\x${b.toString(16).padStart(2, '0')}`),
);
const anyQuoted = fc
  .array(fc.oneof({ weight: 6, arbitrary: knownQuotedPiece }, { weight: 1, arbitrary: unknownQuotedPiece }), {
    maxLength: 20,
  })
  .map((p) => p.join(''));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x20, 0x09, 0x22, 0x5c, 0x5b, 0x5d, 0x2d, 0x0a, 0xff, 0xc3, 0x00),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

function mutate(
  line: Buffer,
  { kind, at, byte }: { kind: 'replace' | 'insert' | 'truncate'; at: number; byte: number },
) {
  const position = line.length === 0 ? 0 : at % line.length;
  if (kind === 'truncate') return line.subarray(0, position);
  if (kind === 'insert')
    return Buffer.concat([line.subarray(0, position), Buffer.of(byte), line.subarray(position)]);
  const copy = Buffer.from(line);
  if (copy.length > 0) copy[position] = byte;
  return copy;
}

/** Anything: well-formed and odd lines, mutated lines, blank lines and random bytes. */
const anyLine = fc.oneof(
  { weight: 4, arbitrary: knownLine(validTime) },
  // Well-formed but for the quoted fields, where the fast path's declines live.
  {
    weight: 4,
    arbitrary: knownLine(
      validTime,
      anyQuoted,
      fc.oneof(knownRequest, anyQuoted),
      fc.oneof(knownCookie, anyQuoted),
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        host: fc.oneof(
          fc.ipV4(),
          plainToken,
          fc.constantFrom('a"b', 'a\\b', 'hé', '\ufeff10.0.0.1', '\u00a0', ''),
        ),
        ident: fc.oneof(fc.constantFrom('-', '-x', '""', 'é'), plainToken),
        authuser: fc.oneof(fc.constant('-'), plainToken),
        time: fc.oneof(validTime, oddTime),
        request: fc.oneof(knownRequest, anyQuoted),
        status: fc.oneof(fc.stringMatching(/^\d{3}$/), fc.constantFrom('20', '2000', 'abc', '-')),
        bytes: fc.oneof(
          fc.constantFrom('-', '-5', '', '9007199254740993', '0012', '1234567890123456'),
          fc.stringMatching(/^\d{1,17}$/),
        ),
        tail: fc.array(anyQuoted, { maxLength: 4 }),
        end: fc.oneof(lineEnd, fc.constantFrom(' x', '"', '\t\t', '\r')),
      })
      .map((parts) => Buffer.from(render(parts))),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(knownLine(fc.oneof(validTime, oddTime)), mutation)
      .map(([line, m]) => mutate(line, m)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '\n', '   \n', '\t', '\r\n', '\u00a0\n').map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
);

describe('clickstream fast path', () => {
  it('answers every line it knows with the reference document and partition keys', () => {
    fc.assert(
      fc.property(fc.array(knownLine(validTime), { minLength: 1, maxLength: 8 }), (lines) => {
        for (const line of lines) expectFastPathAnswers(line);
      }),
      BOUNDED,
    );
  });

  it('gives byte-identical responses to the reference for any batch of lines', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { minLength: 1, maxLength: 12 }), (lines) => expectSameResponses(lines)),
      BOUNDED,
    );
  });

  it('gives byte-identical responses for record data that is not base64', () => {
    const { fast, reference } = transformBoth([
      { recordId: 'a', data: '!!!!' },
      { recordId: 'b', data: 'MTAuMA' },
      { recordId: 'c', data: 'MT*u' },
    ]);
    expect(fast.response).toBe(reference.response);
    expect(fast.stats.rejected.map((r) => r.reason)).toEqual([
      'record data is not base64',
      'record data is not base64',
      'record data is not base64',
    ]);
  });

  it.each([
    ['quote and backslash escapes', '"GET /a\\"b\\\\c HTTP/1.1" 200 1 "-" "say \\"hi\\""'],
    ['newline, tab and return escapes (no request-line split)', '"GET /a\\tb HTTP/1.1" 200 1 "x\\ny" "z\\r"'],
    ['a \\xhh run spelling UTF-8', '"GET /caf\\xc3\\xa9 HTTP/1.1" 200 1 "-" "\\xe2\\x82\\xac"'],
    ['a \\xhh run spelling a space', '"GET\\x20/a HTTP/1.1" 200 1'],
    ['a \\xhh run spelling "-" (null, as decoded)', '"\\x2d" 200 1 "\\x2d" "-"'],
    ['raw UTF-8 and a no-break space (no request-line split)', '"GET /caf\u00e9\u00a0x HTTP/1.1" 200 1'],
    ['empty fields and HTTP/2', '"GET / HTTP/2" 304 - "" ""'],
    ['leading zeros in numbers', '"GET / HTTP/1.1" 099 000120'],
    ['trailing spaces and tabs after the last field', '"GET / HTTP/1.1" 200 1 "-" "-" \t '],
    ['a cookie without a user part', '"GET / HTTP/1.1" 200 1 "-" "-" "x=1; users=2; =user"'],
    ['a cookie naming the user "-"', '"GET / HTTP/1.1" 200 1 "-" "-" "a=b; user = - ; user=c"'],
  ])('answers %s itself', (_case, rest) => {
    expectFastPathAnswers(Buffer.from(`10.0.0.1 - frank [22/Nov/2026:13:05:09 +0100] ${rest}\r\n`));
  });

  it.each([
    ['a \\xhh run that is not UTF-8 (kept recoverable under "escaped")', '"GET /\\xff HTTP/1.1" 200 1'],
    ['a \\xhh run spelling a control byte', '"GET /\\x01 HTTP/1.1" 200 1'],
    ['an unknown escape', '"GET /\\q HTTP/1.1" 200 1'],
    ['a raw tab inside quotes', '"GET /\tx HTTP/1.1" 200 1'],
    ['an escaped cookie', '"GET / HTTP/1.1" 200 1 "-" "-" "user = \\x61lice"'],
    ['a byte count too large for a number', '"GET / HTTP/1.1" 200 9007199254740993'],
    ['a surrogate spelled in \\xhh', '"GET /\\xed\\xa0\\x80 HTTP/1.1" 200 1'],
  ])('leaves %s to the reference, with the same response', (_case, rest) => {
    const line = Buffer.from(`10.0.0.1 - - [22/Nov/2026:13:05:09 +0000] ${rest}\n`);
    expect(writeAccessLogJson(line, line.length)).toBe(-1);
    expectSameResponses([line]);
  });

  it('answers the real lines: every event fixture and the benchmark corpus', () => {
    const dir = join(REPO_ROOT, 'events', 'clickstream-transform');
    const fixtureLines = readdirSync(dir).flatMap(
      (file) =>
        (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { records?: { data: string }[] }).records?.map(
          (r) => Buffer.from(r.data, 'base64'),
        ) ?? [],
    );
    const next = random(7);
    const start = Date.UTC(2026, 10, 22, 13, 5, 0) / 1000;
    const benchLines = Array.from({ length: 2000 }, (_, n) => Buffer.from(accessLogLine(next, start + n)));
    expect(fixtureLines.length).toBeGreaterThan(10);
    expectSameResponses([...fixtureLines, ...benchLines]);
    for (const line of benchLines) expectFastPathAnswers(line);
  });
});
