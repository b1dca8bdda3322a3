import { gunzipSync, gzipSync } from 'node:zlib';

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

/** Highly compressible logs can expand far; past this the record is rejected, not buffered. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export function decodeSubscriptionPayload(
  compressed: Buffer,
  maxBytes = MAX_DECOMPRESSED_BYTES,
): DecodedPayload {
  let text: string;
  try {
    text = gunzipSync(compressed, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    return {
      kind: 'invalid',
      reason: `not a gzip payload within ${maxBytes} bytes: ${(error as Error).message}`,
    };
  }
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
  if (!Array.isArray(payload.logEvents)) return 'DATA_MESSAGE without a logEvents array';
  const bad = payload.logEvents.findIndex(
    (e: Partial<LogEvent> | null) =>
      typeof e?.id !== 'string' || typeof e.message !== 'string' || !Number.isFinite(e.timestamp),
  );
  return bad === -1 ? undefined : `logEvents[${bad}] needs a string id and message and a numeric timestamp`;
}

/** A message that is itself a JSON object or array is kept as JSON, anything else as text. */
function messageValue(message: string): unknown {
  const first = message.trimStart()[0];
  if (first !== '{' && first !== '[') return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}

/** One JSON line per log event: what the raw zone stores. */
export function logEventLines(message: DataMessage): string {
  let out = '';
  for (const event of message.logEvents) {
    out += `${JSON.stringify({
      timestamp: new Date(event.timestamp).toISOString(),
      message: messageValue(event.message),
      logGroup: message.logGroup,
      logStream: message.logStream,
      owner: message.owner,
      id: event.id,
    })}\n`;
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

export type LogPartitionKeys = { logGroup: string; year: string; month: string; day: string; hour: string };

/** Partition by log group and the UTC hour of the payload's first event. */
export function partitionKeysOf(message: DataMessage): LogPartitionKeys {
  const first = new Date((message.logEvents[0] as LogEvent).timestamp);
  return {
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
