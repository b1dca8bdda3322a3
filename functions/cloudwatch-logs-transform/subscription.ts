import { gunzipSync, gzipSync } from 'node:zlib';
import { firstInvalidUtf8 } from '../shared/utf8';

/**
 * CloudWatch Logs subscription payloads, as a subscription filter delivers them to
 * Firehose: gzip-compressed JSON. Pure: no I/O.
 */

export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export interface DataMessage {
  messageType: 'DATA_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: LogEvent[];
}

export type DecodedPayload =
  | { readonly kind: 'data'; readonly message: DataMessage }
  | { readonly kind: 'control' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** 9999-12-31T23:59:59.999Z: the last instant an ISO-8601 timestamp has four year digits for. */
const MAX_TIMESTAMP = 253_402_300_799_999;

/** Highly compressible logs can expand far; past this the record is rejected, not buffered. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export function decodeSubscriptionPayload(
  compressed: Buffer,
  maxBytes = MAX_DECOMPRESSED_BYTES,
): DecodedPayload {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(compressed, { maxOutputLength: maxBytes });
  } catch (error) {
    return {
      kind: 'invalid',
      reason: `not a gzip payload within ${maxBytes} bytes: ${(error as Error).message}`,
    };
  }
  // Decoding would replace such bytes with U+FFFD: the record is rejected whole instead, so its
  // original data reaches the processing-failed prefix byte for byte.
  const invalidAt = firstInvalidUtf8(bytes);
  if (invalidAt >= 0) {
    return { kind: 'invalid', reason: `payload byte ${invalidAt} (after gunzip) is not UTF-8` };
  }
  const text = bytes.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'payload is not JSON' };
  }
  const messageType = (payload as { messageType?: unknown } | null)?.messageType;
  if (messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (messageType !== 'DATA_MESSAGE')
    return { kind: 'invalid', reason: `unknown messageType ${JSON.stringify(messageType)}` };
  const problem = dataMessageProblem(payload as Record<string, unknown>);
  return problem ? { kind: 'invalid', reason: problem } : { kind: 'data', message: payload as DataMessage };
}

function dataMessageProblem(payload: Record<string, unknown>): string | undefined {
  for (const field of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof payload[field] !== 'string') return `DATA_MESSAGE without a string ${field}`;
  }
  // The account the events come from: a raw-zone path segment (account=...), so nothing but an account id.
  if (!/^\d{12}$/.test(payload.owner as string))
    return 'DATA_MESSAGE whose owner is not a 12-digit account id';
  if (!Array.isArray(payload.logEvents)) return 'DATA_MESSAGE without a logEvents array';
  const bad = payload.logEvents.findIndex(
    (e: Partial<LogEvent> | null) =>
      typeof e?.id !== 'string' ||
      typeof e.message !== 'string' ||
      typeof e.timestamp !== 'number' ||
      !(e.timestamp >= 0 && e.timestamp <= MAX_TIMESTAMP),
  );
  return bad === -1
    ? undefined
    : `logEvents[${bad}] needs a string id and message and a timestamp in epoch milliseconds (years 1970-9999)`;
}

/**
 * The message as it goes into the line: a message that is itself a JSON object or array is
 * kept as JSON (its own text, once JSON.parse has accepted it: re-serialising what was just
 * parsed would double the work), anything else as a JSON string.
 */
function messageJson(message: string): string {
  const text = message.trim();
  const first = text[0];
  if (first === '{' || first === '[') {
    try {
      const parsed: unknown = JSON.parse(text);
      // Pretty-printed JSON may hold raw line breaks between tokens: those would split the line.
      return text.includes('\n') || text.includes('\r') ? JSON.stringify(parsed) : text;
    } catch {
      // Not JSON after all: kept as text below.
    }
  }
  return JSON.stringify(message);
}

/** `2026-11-22T13:05:09` per whole second, reused for every event of that second. */
let cachedSecond = Number.NaN;
let cachedSecondIso = '';

function isoTimestamp(epochMillis: number): string {
  const second = Math.floor(epochMillis / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedSecondIso = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const millis = epochMillis - second * 1000;
  return `${cachedSecondIso}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${Math.floor(millis)}Z`;
}

/**
 * One JSON line per log event, what the raw zone stores:
 * {"timestamp", "message", "logGroup", "logStream", "owner", "id"}. The fields every event of
 * the payload shares are serialised once.
 */
export function logEventLines(message: DataMessage): string {
  const shared = `,"logGroup":${JSON.stringify(message.logGroup)},"logStream":${JSON.stringify(message.logStream)},"owner":${JSON.stringify(message.owner)},"id":`;
  let out = '';
  for (const event of message.logEvents) {
    out += `{"timestamp":"${isoTimestamp(event.timestamp)}","message":${messageJson(event.message)}${shared}${JSON.stringify(event.id)}}\n`;
  }
  return out;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `/aws/lambda/my-fn` → `aws_lambda_my-fn`: a log group as one S3 path segment (no `/`,
 * nothing S3 or Hive partitioning would escape). The exact name stays in every line.
 */
export function sanitiseLogGroup(logGroup: string): string {
  const cleaned = logGroup.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

export type LogPartitionKeys = {
  account: string;
  logGroup: string;
  year: string;
  month: string;
  day: string;
  hour: string;
};

/**
 * Partition by the sending account (the payload's owner), then log group and the UTC hour of
 * the payload's first event: one account's logs can be found, kept or deleted on their own.
 */
export function partitionKeysOf(message: DataMessage): LogPartitionKeys {
  const first = new Date((message.logEvents[0] as LogEvent).timestamp);
  return {
    account: message.owner,
    logGroup: sanitiseLogGroup(message.logGroup),
    year: String(first.getUTCFullYear()),
    month: pad2(first.getUTCMonth() + 1),
    day: pad2(first.getUTCDate()),
    hour: pad2(first.getUTCHours()),
  };
}

/**
 * Splits a payload into gzip payloads of the same shape whose decoded lines are each at
 * most `maxLinesBytes`, so every piece re-ingested into Firehose transforms into a
 * response-sized result later. Events keep their order; none is lost or repeated.
 */
export function splitPayload(message: DataMessage, maxLinesBytes: number): Buffer[] {
  const pieces: Buffer[] = [];
  let chunk: LogEvent[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (chunk.length > 0) pieces.push(gzipSync(JSON.stringify({ ...message, logEvents: chunk })));
    chunk = [];
    chunkBytes = 0;
  };
  for (const event of message.logEvents) {
    const bytes = Buffer.byteLength(logEventLines({ ...message, logEvents: [event] }));
    if (chunk.length > 0 && chunkBytes + bytes > maxLinesBytes) flush();
    chunk.push(event);
    chunkBytes += bytes;
  }
  flush();
  return pieces;
}
