import { isUtf8 } from 'node:buffer';

/**
 * Parses one Apache access-log line: common, combined, or the clickstream variant
 * that ends with a cookie field `"user = NAME; …"`. Pure: no I/O.
 */

export interface AccessLogEntry {
  host: string;
  ident: string | null;
  authuser: string | null;
  '@timestamp': string;
  '@timestamp_utc': string;
  timezone: string | null;
  request: string | null;
  verb: string | null;
  path: string | null;
  protocol: string | null;
  response: number;
  bytes: number;
  referer: string | null;
  'user-agent': string | null;
  username?: string | null;
  /**
   * Fields whose `\xhh` escapes are bytes that are not UTF-8, as Apache logged them: the
   * decoded field shows U+FFFD for those bytes, and this keeps the bytes recoverable.
   */
  escaped?: Partial<Record<EscapableField, string>>;
}

type EscapableField = 'request' | 'referer' | 'user-agent' | 'cookie';

export type ParseResult =
  | { readonly kind: 'entry'; readonly entry: AccessLogEntry; readonly utc: UtcParts }
  | { readonly kind: 'blank' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The request's UTC date and hour: the partition keys of the raw zone. */
export type UtcParts = {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
};

// A quoted field as Apache writes it: `"` and `\` inside are backslash-escaped.
const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const LINE = new RegExp(
  String.raw`^(\S+) (\S+) (\S+) \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2}))?\] ` +
    `${QUOTED} (\\d{3}) (\\d+|-)(?: ${QUOTED} ${QUOTED}(?: ${QUOTED})?)?[ \\t]*$`,
);
const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};
// METHOD SP TARGET SP HTTP/x[.y] — HTTP/2 lines are logged as "HTTP/2.0" or "HTTP/2".
const REQUEST_LINE = /^([A-Z][A-Z_-]*) (\S+) (HTTP\/\d(?:\.\d)?)$/;

export function parseAccessLogLine(rawLine: string): ParseResult {
  const line = stripLineEnding(rawLine);
  if (line.trim() === '') return { kind: 'blank' };
  const m = LINE.exec(line);
  if (!m)
    return { kind: 'invalid', reason: 'line does not match the common, combined or clickstream format' };

  const [, host, ident, authuser, dd, mon, yyyy, hh, mi, ss, sign, offH, offM, rawRequest, status, size] =
    m as unknown as string[];
  const timestamp = cachedTimestamp(
    yyyy as string,
    mon as string,
    dd as string,
    hh as string,
    mi as string,
    ss as string,
    sign,
    offH,
    offM,
  );
  if (typeof timestamp === 'string') return { kind: 'invalid', reason: timestamp };
  const bytes = size === '-' ? 0 : Number(size);
  if (!Number.isSafeInteger(bytes))
    return { kind: 'invalid', reason: `byte count ${size} is larger than a number holds exactly` };

  const escaped: Partial<Record<EscapableField, string>> = {};
  const decode = (field: EscapableField, logged: string) => {
    const { text, lossy } = decodeApache(logged);
    if (lossy) escaped[field] = logged;
    return text;
  };
  const request = dashToNull(decode('request', rawRequest as string));
  const requestLine = request === null ? null : REQUEST_LINE.exec(request);
  const entry: AccessLogEntry = {
    host: host as string,
    ident: dashToNull(ident as string),
    authuser: dashToNull(authuser as string),
    '@timestamp': timestamp.local,
    '@timestamp_utc': timestamp.utcIso,
    timezone: sign === undefined ? null : `${sign}${offH}${offM}`,
    request,
    verb: requestLine ? (requestLine[1] as string) : null,
    path: requestLine ? (requestLine[2] as string) : null,
    protocol: requestLine ? (requestLine[3] as string) : null,
    response: Number(status),
    bytes,
    referer: m[16] === undefined ? null : dashToNull(decode('referer', m[16])),
    'user-agent': m[17] === undefined ? null : dashToNull(decode('user-agent', m[17])),
  };
  if (m[18] !== undefined) entry.username = usernameFromCookie(decode('cookie', m[18]));
  if (Object.keys(escaped).length > 0) entry.escaped = escaped;
  return { kind: 'entry', entry, utc: timestamp.utc };
}

function stripLineEnding(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  return end === line.length ? line : line.slice(0, end);
}

function dashToNull(value: string): string | null {
  return value === '-' || value === '' ? null : value;
}

/** `"user = NAME; other = x"` → `NAME`; a cookie without a user part → null. */
function usernameFromCookie(cookie: string): string | null {
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'user') {
      return dashToNull(part.slice(eq + 1).trim());
    }
  }
  return null;
}

/**
 * Reverses Apache's log escaping: `\"`, `\\`, `\n`, `\t` and `\xhh` byte escapes
 * (runs of which are decoded together as UTF-8, so `\xc3\xa9` becomes `é`). `lossy` says a
 * run was not UTF-8 and U+FFFD stands in for some of its bytes.
 */
export function decodeApache(value: string): { text: string; lossy: boolean } {
  if (!value.includes('\\')) return { text: value, lossy: false };
  let out = '';
  let lossy = false;
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      const run = Buffer.from(bytes);
      lossy ||= !isUtf8(run);
      out += run.toString('utf8');
      bytes = [];
    }
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch !== '\\' || i + 1 >= value.length) {
      flushBytes();
      out += ch;
      continue;
    }
    const next = value[i + 1] as string;
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(value.slice(i + 2, i + 4), 16));
      i += 3;
      continue;
    }
    flushBytes();
    out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
    i += 1;
  }
  flushBytes();
  return { text: out, lossy };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

type Timestamp = { local: string; utcIso: string; utc: UtcParts };

/**
 * The lines of one Firehose batch arrived within its buffer interval, so they share a few
 * distinct timestamps: each distinct `[dd/Mon/yyyy:HH:MM:SS +zzzz]` is parsed once.
 */
const timestampCache = new Map<string, Timestamp | string>();
const TIMESTAMP_CACHE_SIZE = 4096;

function cachedTimestamp(
  ...parts: [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string | undefined,
  ]
): Timestamp | string {
  const [yyyy, mon, dd, hh, mi, ss, sign = '', offH = '', offM = ''] = parts;
  const key = `${yyyy}${mon}${dd}${hh}${mi}${ss}${sign}${offH}${offM}`;
  let timestamp = timestampCache.get(key);
  if (timestamp === undefined) {
    if (timestampCache.size >= TIMESTAMP_CACHE_SIZE) timestampCache.clear();
    timestamp = buildTimestamp(...parts);
    timestampCache.set(key, timestamp);
  }
  return timestamp;
}

/** A logged time's three fields and partition keys, or why it is not a time; never cached. */
export function buildTimestamp(
  yyyy: string,
  mon: string,
  dd: string,
  hh: string,
  mi: string,
  ss: string,
  sign: string | undefined,
  offH: string | undefined,
  offM: string | undefined,
): Timestamp | string {
  const month = MONTHS[mon];
  const [year, day, hour, minute, second] = [yyyy, dd, hh, mi, ss].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month === undefined) return `unknown month "${mon}"`;
  // Date.UTC reads years 0-99 as 1900-1999: such a line would land in the wrong partition.
  if (year < 1000) return `year ${yyyy} is before 1000: not a log timestamp`;
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM));
  if (
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Math.abs(offsetMinutes) > 18 * 60
  ) {
    return 'timestamp out of range';
  }
  const utcMillis = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const utcDate = new Date(utcMillis);
  const utc: UtcParts = {
    year: String(utcDate.getUTCFullYear()),
    month: pad2(utcDate.getUTCMonth() + 1),
    day: pad2(utcDate.getUTCDate()),
    hour: pad2(utcDate.getUTCHours()),
  };
  const utcIso = `${utc.year}-${utc.month}-${utc.day}T${utc.hour}:${pad2(utcDate.getUTCMinutes())}:${pad2(utcDate.getUTCSeconds())}Z`;
  const offset = sign === undefined ? 'Z' : `${sign}${offH}:${offM}`;
  const local = `${yyyy}-${pad2(month)}-${dd}T${hh}:${mi}:${ss}${offset}`;
  return { local, utcIso, utc };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
