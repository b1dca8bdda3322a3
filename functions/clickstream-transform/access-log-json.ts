import { isUtf8 } from 'node:buffer';
import { buildTimestamp, type UtcParts } from './access-log';

/**
 * The clickstream transform's fast path: scans one access-log line's bytes and writes its JSON
 * document straight into a reused buffer, byte for byte what `JSON.stringify` makes of the entry
 * parseAccessLogLine returns (a differential property test holds it to that). It declines
 * (returns -1) anything it does not expect — a malformed line, an unusual escape, `\xhh` bytes
 * that are not UTF-8 or would need JSON escaping, non-ASCII in the first three fields — and the
 * caller then asks the reference parser, which knows every case. Pure: no I/O.
 */

/** One UTC request hour: its partition keys (shared by every record of the hour; frozen). */
export interface RequestHour {
  /** `YYYY-MM-DDTHH` */
  readonly hour: string;
  readonly metadata: { readonly partitionKeys: UtcParts };
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

const ascii = (text: string) => Buffer.from(text, 'latin1');
const HOST = ascii('{"host":"');
const IDENT = ascii('","ident":');
const AUTHUSER = ascii(',"authuser":');
const REQUEST = ascii(',"request":');
const VERB = ascii(',"verb":"');
const PATH = ascii('","path":"');
const PROTOCOL = ascii('","protocol":"');
const NO_REQUEST_LINE = ascii(',"verb":null,"path":null,"protocol":null');
const RESPONSE = ascii(',"response":');
const BYTES = ascii(',"bytes":');
const REFERER = ascii(',"referer":');
const USER_AGENT = ascii(',"user-agent":');
const NO_REFERER_OR_AGENT = ascii(',"referer":null,"user-agent":null');
const USERNAME = ascii(',"username":');
const NULL = ascii('null');
const END = ascii('}\n');
const HTTP = ascii('HTTP/');
const USER = ascii('user');

let out = Buffer.allocUnsafe(64 * 1024);
let o = 0;
/** What the last quoted field held, decoded: whitespace, non-ASCII, or only `-` / nothing. */
let fieldWhitespace = false;
let fieldNonAscii = false;
let lineNonAscii = false;
let lastHour: RequestHour | undefined;

/** The request hour of the line the last successful writeAccessLogJson call wrote. */
export const writtenRequestHour = (): RequestHour => lastHour as RequestHour;

/** The document the last successful call wrote, base64-encoded as Firehose expects it. */
export const writtenDocumentBase64 = (length: number): string => out.toString('base64', 0, length);

/** The document the last successful call wrote (a view, valid until the next call). */
export const writtenDocument = (length: number): Buffer => out.subarray(0, length);

// Hot loops write through locals and store `o` back once: module-level bindings stay in memory.
function put(fragment: Uint8Array): void {
  const dst = out;
  let w = o;
  for (let k = 0; k < fragment.length; k++) dst[w++] = fragment[k] as number;
  o = w;
}

/** What a byte is inside a quoted field: copied, non-ASCII (copied), special (`"`, `\`) or declined. */
const COPIED = 0;
const NON_ASCII = 1;
const SPECIAL = 2;
const DECLINED = 3;
const QUOTED_BYTE = new Uint8Array(256).map((_, c) =>
  c === QUOTE || c === BACKSLASH ? SPECIAL : c < SPACE ? DECLINED : c >= 0x80 ? NON_ASCII : COPIED,
);
/** Bytes host, ident and authuser copy: printable ASCII with no JSON escape (1), or a space (2). */
const PLAIN_BYTE = new Uint8Array(256).map((_, c) =>
  c === SPACE ? 2 : c >= 0x21 && c <= 0x7e && c !== QUOTE && c !== BACKSLASH ? 1 : 0,
);

/**
 * Writes the JSON document (newline-terminated) of the access-log line in `line[0, length)` and
 * returns its length in bytes, or -1 for a line the reference parser must read.
 */
export function writeAccessLogJson(line: Uint8Array, length: number): number {
  let end = length;
  while (end > 0 && (line[end - 1] === LF || line[end - 1] === CR)) end--;
  // Each field is copied at most twice (request, then its parts) around ~300 bytes of keys.
  if (out.length < 2 * end + 512) out = Buffer.allocUnsafe(4 * end + 1024);
  o = 0;
  lineNonAscii = false;
  put(HOST);
  let i = plainField(line, 0, end);
  if (i < 0) return -1;
  put(IDENT);
  i = dashOrQuotedPlain(line, i, end);
  if (i < 0) return -1;
  put(AUTHUSER);
  i = dashOrQuotedPlain(line, i, end);
  if (i < 0 || line[i] !== 0x5b /* [ */) return -1;
  i = timestamp(line, i + 1, end);
  if (i < 0 || line[i] !== QUOTE) return -1;

  put(REQUEST);
  const requestStart = o + 1;
  i = nullableQuoted(line, i + 1, end);
  if (i < 0) return -1;
  const splittable =
    out[o - 1] === QUOTE && !fieldWhitespace && !(fieldNonAscii && hasUnicodeSpace(requestStart, o - 1));
  if (!splittable || !requestLine(requestStart, o - 1)) put(NO_REQUEST_LINE);

  // ` NNN ` status, then the byte count or `-`
  if (line[i] !== SPACE) return -1;
  put(RESPONSE);
  i = number(line, i + 1, end, 3);
  if (i < 0 || line[i] !== SPACE) return -1;
  put(BYTES);
  if (line[i + 1] === DASH) {
    out[o++] = DIGIT_0;
    i += 2;
  } else {
    i = number(line, i + 1, end, 15);
    if (i < 0) return -1;
  }

  if (i + 1 < end && line[i] === SPACE && line[i + 1] === QUOTE) {
    put(REFERER);
    i = nullableQuoted(line, i + 2, end);
    if (i < 0 || line[i] !== SPACE || line[i + 1] !== QUOTE) return -1;
    put(USER_AGENT);
    i = nullableQuoted(line, i + 2, end);
    if (i < 0) return -1;
    if (i + 1 < end && line[i] === SPACE && line[i + 1] === QUOTE) {
      put(USERNAME);
      i = username(line, i + 2, end);
      if (i < 0) return -1;
    }
  } else put(NO_REFERER_OR_AGENT);
  while (i < end && (line[i] === SPACE || line[i] === TAB)) i++;
  if (i !== end) return -1;
  // The reference rejects the whole record when any byte of it is not UTF-8.
  if (lineNonAscii && !isUtf8(line.subarray(0, length))) return -1;
  put(END);
  return o;
}

/** host: printable ASCII up to one space; quotes and backslashes (JSON escapes) are declined. */
function plainField(line: Uint8Array, i: number, end: number): number {
  const start = i;
  const dst = out;
  let w = o;
  while (i < end) {
    const c = line[i] as number;
    const kind = PLAIN_BYTE[c];
    if (kind === 2) break;
    if (kind === 0) return -1;
    dst[w++] = c;
    i++;
  }
  o = w;
  return i === start || i >= end ? -1 : i + 1;
}

/** ident and authuser: like host, with a lone `-` written as null. */
function dashOrQuotedPlain(line: Uint8Array, i: number, end: number): number {
  if (line[i] === DASH && line[i + 1] === SPACE) {
    put(NULL);
    return i + 2;
  }
  out[o++] = QUOTE;
  const next = plainField(line, i, end);
  out[o++] = QUOTE;
  return next;
}

/**
 * A logged minute (`dd/Mon/yyyy:HH:MM` and its offset) and the bytes it writes around the
 * seconds, which are copied as logged: time zone offsets are whole minutes, so a UTC time has
 * the local time's seconds. A batch holds a few minutes per server time zone, so a small table
 * keyed by the minute's bytes answers nearly every line without parsing a date.
 */
interface Minute {
  readonly key: Uint8Array;
  readonly head: Uint8Array;
  readonly middle: Uint8Array;
  readonly tail: Uint8Array;
  readonly hour: RequestHour;
}

const MINUTE_SLOTS = 256;
const minutes: (Minute | undefined)[] = new Array(MINUTE_SLOTS).fill(undefined);

/** `dd/Mon/yyyy:HH:MM:SS[ ±hhmm]] ` → the three time fields; returns the index after the space. */
function timestamp(line: Uint8Array, i: number, end: number): number {
  const keyLength = line[i + 20] === SPACE ? 23 : 17;
  const close = keyLength === 23 ? i + 26 : i + 20;
  if (close + 1 >= end || line[close] !== 0x5d /* ] */ || line[close + 1] !== SPACE) return -1;
  const s1 = line[i + 18] as number;
  const s2 = line[i + 19] as number;
  if (line[i + 17] !== 0x3a || s1 < DIGIT_0 || s1 > 0x35 || s2 < DIGIT_0 || s2 > DIGIT_9) return -1;
  let hash = keyLength;
  for (let k = 0; k < 17; k++) hash = (hash * 31 + (line[i + k] as number)) | 0;
  for (let k = 20; k < keyLength + 3; k++) hash = (hash * 31 + (line[i + k] as number)) | 0;
  const slot = (hash ^ (hash >>> 8)) & (MINUTE_SLOTS - 1);
  let minute = minutes[slot];
  if (minute === undefined || !isMinute(minute.key, line, i, keyLength)) {
    minute = parseMinute(line, i, keyLength);
    if (minute === undefined) return -1;
    minutes[slot] = minute;
  }
  put(minute.head);
  out[o++] = s1;
  out[o++] = s2;
  put(minute.middle);
  out[o++] = s1;
  out[o++] = s2;
  put(minute.tail);
  lastHour = minute.hour;
  return close + 2;
}

/** The minute's key: the 17 bytes before the seconds, then the offset's 6 bytes after them. */
function isMinute(key: Uint8Array, line: Uint8Array, i: number, keyLength: number): boolean {
  if (key.length !== keyLength) return false;
  for (let k = 0; k < 17; k++) if (line[i + k] !== key[k]) return false;
  for (let k = 17; k < keyLength; k++) if (line[i + k + 3] !== key[k]) return false;
  return true;
}

const hours = new Map<string, RequestHour>();
const MAX_HOURS_KEPT = 4096;

/** Parses a minute the table does not hold, through the reference's own checks. */
function parseMinute(line: Uint8Array, i: number, keyLength: number): Minute | undefined {
  const text = Buffer.from(line.buffer, line.byteOffset + i, keyLength + 3).toString('latin1');
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):\d{2}(?: ([+-])(\d{2})(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [, dd, mon, yyyy, hh, mi, sign, offH, offM] = m as unknown as string[];
  const parsed = buildTimestamp(
    yyyy as string,
    mon as string,
    dd as string,
    hh as string,
    mi as string,
    '00',
    sign,
    offH,
    offM,
  );
  if (typeof parsed === 'string') return undefined;
  const { utc } = parsed;
  const hourText = `${utc.year}-${utc.month}-${utc.day}T${utc.hour}`;
  let hour = hours.get(hourText);
  if (hour === undefined) {
    if (hours.size >= MAX_HOURS_KEPT) hours.clear();
    hour = Object.freeze({
      hour: hourText,
      metadata: Object.freeze({ partitionKeys: Object.freeze({ ...utc }) }),
    });
    hours.set(hourText, hour);
  }
  // local is `yyyy-MM-ddTHH:MM:00<offset>`; utcIso is `<year>-MM-ddTHH:MM:00Z`
  return {
    key: Buffer.from(`${text.slice(0, 17)}${text.slice(20)}`, 'latin1'),
    head: ascii(`,"@timestamp":"${parsed.local.slice(0, 17)}`),
    middle: ascii(`${parsed.local.slice(19)}","@timestamp_utc":"${parsed.utcIso.slice(0, -3)}`),
    tail: ascii(`Z","timezone":${sign === undefined ? 'null' : `"${sign}${offH}${offM}"`}`),
    hour,
  };
}

/**
 * A quoted field from just after its opening quote: written as a JSON string, or as null when
 * it decodes to `-` or nothing. Returns the index after the closing quote.
 */
function nullableQuoted(line: Uint8Array, i: number, end: number): number {
  const start = o;
  const next = quoted(line, i, end);
  if (next >= 0 && (o === start + 2 || (o === start + 3 && out[start + 1] === DASH))) {
    o = start;
    put(NULL);
  }
  return next;
}

/**
 * Apache's escapes become JSON's: `\"`, `\\`, `\n`, `\t` and `\r` already are; a run of `\xhh`
 * is written as its bytes when they are UTF-8 and need no JSON escape. Anything else declines.
 */
function quoted(line: Uint8Array, i: number, end: number): number {
  const dst = out;
  let w = o;
  dst[w++] = QUOTE;
  fieldWhitespace = false;
  fieldNonAscii = false;
  while (i < end) {
    const c = line[i] as number;
    const kind = QUOTED_BYTE[c];
    if (kind === COPIED) {
      dst[w++] = c;
      i++;
      continue;
    }
    if (kind === NON_ASCII) {
      fieldNonAscii = lineNonAscii = true;
      dst[w++] = c;
      i++;
      continue;
    }
    if (kind === DECLINED) return -1;
    if (c === QUOTE) {
      dst[w++] = QUOTE;
      o = w;
      return i + 1;
    }
    const e = line[i + 1];
    if (e === QUOTE || e === BACKSLASH || e === 0x6e || e === 0x74 || e === 0x72) {
      if (e !== QUOTE && e !== BACKSLASH) fieldWhitespace = true;
      dst[w++] = BACKSLASH;
      dst[w++] = e;
      i += 2;
      continue;
    }
    if (e !== 0x78 /* x */) return -1;
    o = w;
    i = byteEscapes(line, i, end);
    if (i < 0) return -1;
    w = o;
  }
  return -1;
}

/** A run of `\xhh` escapes, decoded together (as the reference does) and checked as UTF-8. */
function byteEscapes(line: Uint8Array, i: number, end: number): number {
  const start = o;
  let nonAscii = false;
  while (i + 3 < end && line[i] === BACKSLASH && line[i + 1] === 0x78) {
    const high = hexValue(line[i + 2] as number);
    const low = hexValue(line[i + 3] as number);
    if (high < 0 || low < 0) break;
    const byte = high * 16 + low;
    if (byte < SPACE || byte === QUOTE || byte === BACKSLASH) return -1;
    if (byte >= 0x80) nonAscii = true;
    out[o++] = byte;
    i += 4;
  }
  if (o === start) return -1;
  if (nonAscii) {
    if (!isUtf8(out.subarray(start, o))) return -1;
    fieldNonAscii = true;
  }
  return i;
}

function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Unicode's white space beyond ASCII, UTF-8 encoded, as JavaScript's `\s` knows it: a request
 * holding one has no METHOD SP TARGET SP PROTOCOL split (the reference's `\S+` stops there).
 */
function hasUnicodeSpace(start: number, stop: number): boolean {
  for (let p = start; p < stop; p++) {
    const a = out[p] as number;
    if (a < 0xc2) continue;
    const b = out[p + 1];
    const c = out[p + 2];
    if (a === 0xc2 && b === 0xa0) return true; // U+00A0
    if (a === 0xe1 && b === 0x9a && c === 0x80) return true; // U+1680
    if (a === 0xe2 && b === 0x80 && c !== undefined && (c <= 0x8a || c === 0xa8 || c === 0xa9 || c === 0xaf))
      return true; // U+2000–U+200A, U+2028, U+2029, U+202F
    if (a === 0xe2 && b === 0x81 && c === 0x9f) return true; // U+205F
    if (a === 0xe3 && b === 0x80 && c === 0x80) return true; // U+3000
    if (a === 0xef && b === 0xbb && c === 0xbf) return true; // U+FEFF
  }
  return false;
}

/**
 * `METHOD SP TARGET SP HTTP/x[.y]` read from the request just written (its JSON escapes are
 * never spaces, and decoded white space was ruled out): verb, path and protocol, or nulls.
 */
function requestLine(start: number, stop: number): boolean {
  let p = start;
  const first = out[p] as number;
  if (p >= stop || first < 0x41 || first > 0x5a) return false;
  p++;
  while (p < stop && isVerbByte(out[p] as number)) p++;
  if (out[p] !== SPACE || p >= stop) return false;
  const verbEnd = p++;
  const pathStart = p;
  while (p < stop && out[p] !== SPACE) p++;
  if (p === pathStart || p >= stop) return false;
  const pathEnd = p++;
  if (!isHttpVersion(p, stop)) return false;
  put(VERB);
  copyWithin(start, verbEnd);
  put(PATH);
  copyWithin(pathStart, pathEnd);
  put(PROTOCOL);
  copyWithin(pathEnd + 1, stop);
  out[o++] = QUOTE;
  return true;
}

/** `HTTP/d` or `HTTP/d.d`, exactly, in `out[start, stop)`. */
function isHttpVersion(start: number, stop: number): boolean {
  const length = stop - start;
  if (length !== 6 && length !== 8) return false;
  for (let k = 0; k < HTTP.length; k++) if (out[start + k] !== HTTP[k]) return false;
  const isDigit = (c: number) => c >= DIGIT_0 && c <= DIGIT_9;
  return (
    isDigit(out[start + 5] as number) &&
    (length === 6 || (out[start + 6] === 0x2e && isDigit(out[start + 7] as number)))
  );
}

const isVerbByte = (c: number) => (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === DASH;

function copyWithin(from: number, to: number): void {
  const dst = out;
  let w = o;
  for (let p = from; p < to; p++) dst[w++] = dst[p] as number;
  o = w;
}

/** 1–`maxDigits` digits as the JSON number they are (leading zeros dropped). */
function number(line: Uint8Array, i: number, end: number, maxDigits: number): number {
  const start = i;
  while (i < end && (line[i] as number) >= DIGIT_0 && (line[i] as number) <= DIGIT_9) i++;
  const digits = i - start;
  if (digits === 0 || digits > maxDigits || (maxDigits === 3 && digits !== 3)) return -1;
  let first = start;
  while (first < i - 1 && line[first] === DIGIT_0) first++;
  for (let p = first; p < i; p++) out[o++] = line[p] as number;
  return i;
}

/**
 * The clickstream cookie field `"user = NAME; …"` → the user's name, or null. Only plain ASCII
 * cookies are read here; escapes or other bytes decline to the reference.
 */
function username(line: Uint8Array, i: number, end: number): number {
  let close = i;
  while (close < end && line[close] !== QUOTE) {
    const c = line[close] as number;
    if (c < SPACE || c > 0x7e || c === BACKSLASH) return -1;
    close++;
  }
  if (close >= end) return -1;
  for (let part = i; part <= close; ) {
    let partEnd = part;
    while (partEnd < close && line[partEnd] !== SEMICOLON) partEnd++;
    let eq = part;
    while (eq < partEnd && line[eq] !== EQUALS) eq++;
    if (eq > part && eq < partEnd && isUser(line, part, eq)) {
      let from = eq + 1;
      let to = partEnd;
      while (from < to && line[from] === SPACE) from++;
      while (to > from && line[to - 1] === SPACE) to--;
      if (to === from || (to === from + 1 && line[from] === DASH)) put(NULL);
      else {
        out[o++] = QUOTE;
        for (let p = from; p < to; p++) out[o++] = line[p] as number;
        out[o++] = QUOTE;
      }
      return close + 1;
    }
    part = partEnd + 1;
  }
  put(NULL);
  return close + 1;
}

/** Whether `line[from, to)`, spaces trimmed, is `user`. */
function isUser(line: Uint8Array, from: number, to: number): boolean {
  while (from < to && line[from] === SPACE) from++;
  while (to > from && line[to - 1] === SPACE) to--;
  if (to - from !== USER.length) return false;
  for (let k = 0; k < USER.length; k++) if (line[from + k] !== USER[k]) return false;
  return true;
}
