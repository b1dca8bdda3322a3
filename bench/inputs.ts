import { gzipSync } from 'node:zlib';
import type { DynamoDBStreamEvent, FirehoseTransformationEvent } from 'aws-lambda';
import { firehoseEvent } from '../offline/firehose-events';

/**
 * Deterministic, realistic benchmark inputs: the same seed gives the same bytes on every
 * machine, so runs compare.
 */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36 EdgA/131.0.2903.87',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.5.0',
  'ELB-HealthChecker/2.0',
];
const PATHS = [
  '/',
  '/index.html',
  '/wp-login.php',
  '/wp-login.php?action=register',
  '/wp-admin/admin-ajax.php',
  '/?p=42',
  '/category/news/page/3/',
  '/search?q=serverless+log+analytics&lang=en&page=2',
  '/static/js/app.3f9a1c2b.chunk.js',
  '/api/v1/orders?status=open&limit=50&cursor=eyJpZCI6IjE4NDIifQ%3D%3D',
  '/caf\\xc3\\xa9/men\\xc3\\xbc',
  '/health',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * One access-log line: combined, or clickstream with the cookie field; ~15% IPv6, ~10% `-`
 * bytes. `at` is the request time (epoch seconds), logged in one of a few server time zones.
 */
export function accessLogLine(next: () => number, at: number): string {
  const host =
    next() < 0.15
      ? `2001:db8:${Math.floor(next() * 65535).toString(16)}::${Math.floor(next() * 65535).toString(16)}`
      : `${10 + Math.floor(next() * 200)}.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}`;
  const user = next() < 0.05 ? pick(next, ['alice', 'bob', 'carol']) : '-';
  const offsetMinutes = pick(next, [0, 60, -300, 330, 540]);
  const local = new Date((at + offsetMinutes * 60) * 1000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`;
  const time = `${pad(local.getUTCDate())}/${MONTHS[local.getUTCMonth()]}/${local.getUTCFullYear()}:${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${offset}`;
  const verb = next() < 0.8 ? 'GET' : pick(next, ['POST', 'HEAD', 'PUT']);
  const status = pick(next, [200, 200, 200, 200, 200, 200, 304, 302, 404, 500]);
  const bytes = next() < 0.1 ? '-' : String(Math.floor(next() * 50_000));
  const referer = next() < 0.4 ? '-' : `https://loglake.example${pick(next, PATHS)}`;
  const line = `${host} - ${user} [${time}] "${verb} ${pick(next, PATHS)} HTTP/${pick(next, ['1.1', '2.0'])}" ${status} ${bytes} "${referer}" "${pick(next, AGENTS)}"`;
  return next() < 0.3
    ? `${line} "user = ${pick(next, ['alice', 'bob', 'carol', 'dave'])}; wordpress_test_cookie=WP+Cookie+check"\n`
    : `${line}\n`;
}

/**
 * A clickstream transformation event whose JSON text is about `eventBytes` long. Like a real
 * Firehose batch, its requests happened within the processor's 60-second buffer interval.
 */
export function clickstreamEvent(eventBytes: number, seed = 1): FirehoseTransformationEvent {
  const next = random(seed);
  const start = Date.UTC(2026, 10, 22, 13, 5, 0) / 1000;
  const lines = Array.from({ length: 4096 }, (_, n) =>
    accessLogLine(next, start + Math.floor((n * 60) / 4096)),
  );
  return firehoseEvent('loglake-bench-clickstream', lines, eventBytes);
}

/** Raw log bytes an event carries (what Firehose's buffering hint counts). */
export const rawBytes = (event: FirehoseTransformationEvent) =>
  event.records.reduce((sum, r) => sum + Buffer.from(r.data, 'base64').byteLength, 0);

/** Lambda-style log events: START/END/REPORT lines, structured JSON logs and plain text. */
function logMessage(next: () => number, n: number): string {
  const requestId = `5f0e0c47-8e9d-4c0a-9a3f-${pad(n % 1_000_000, 12)}`;
  const kind = next();
  if (kind < 0.1) return `START RequestId: ${requestId} Version: $LATEST\n`;
  if (kind < 0.2)
    return `REPORT RequestId: ${requestId}\tDuration: ${(next() * 900).toFixed(2)} ms\tBilled Duration: 900 ms\tMemory Size: 256 MB\tMax Memory Used: 87 MB\n`;
  if (kind < 0.7)
    return JSON.stringify({
      level: pick(next, ['INFO', 'INFO', 'WARN', 'ERROR']),
      message: pick(next, ['Order placed', 'Payment authorised', 'Inventory reserved', 'Cache miss']),
      timestamp: new Date(1_795_352_709_000 + n * 37).toISOString(),
      service: 'checkout',
      function_request_id: requestId,
      orderId: `o-${Math.floor(next() * 100_000)}`,
      amount: Math.round(next() * 50_000) / 100,
      xray_trace_id: `1-6740a1b2-${pad(n, 24)}`,
    });
  return `${new Date(1_795_352_709_000 + n * 37).toISOString()}\t${requestId}\tINFO\tfetched ${Math.floor(next() * 500)} rows from inventory in ${Math.floor(next() * 900)} ms\n`;
}

/** A CloudWatch Logs transformation event of gzip subscription payloads, about `eventBytes` of JSON. */
export function cloudWatchLogsEvent(eventBytes: number, seed = 2): FirehoseTransformationEvent {
  const next = random(seed);
  let n = 0;
  const payloads = Array.from({ length: 64 }, (_, p) =>
    gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: `/aws/lambda/${pick(next, ['checkout-api', 'payments', 'inventory-sync'])}`,
        logStream: `2026/11/22/[$LATEST]${pad(p, 32)}`,
        subscriptionFilters: ['loglake-bench'],
        logEvents: Array.from({ length: 50 + Math.floor(next() * 250) }, () => {
          n++;
          return { id: pad(n, 56), timestamp: 1_795_352_709_000 + n * 37, message: logMessage(next, n) };
        }),
      }),
    ),
  );
  return firehoseEvent('loglake-bench-cloudwatch-logs', payloads, eventBytes);
}

/** `count` realistic order changes (INSERT/MODIFY/REMOVE, NEW_AND_OLD_IMAGES) as a stream batch. */
export function dynamoDbStreamEvent(count: number, seed = 3): DynamoDBStreamEvent {
  const next = random(seed);
  const arn =
    'arn:aws:dynamodb:eu-west-1:123456789012:table/loglake-bench-orders/stream/2026-11-20T08:15:31.402';
  const image = (n: number, status: string) => ({
    pk: { S: `CUSTOMER#c-${n % 997}` },
    sk: { S: `ORDER#o-${n}` },
    status: { S: status },
    amount: { N: String(Math.round(next() * 50_000) / 100) },
    items: {
      L: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({
        M: { sku: { S: `SKU-${Math.floor(next() * 9999)}` }, qty: { N: String(1 + Math.floor(next() * 3)) } },
      })),
    },
    shippingAddress: {
      M: { city: { S: pick(next, ['Lisbon', 'Osaka', 'Denver', 'Lagos']) }, zip: { S: pad(n % 99999, 5) } },
    },
    tags: { SS: ['web', pick(next, ['gift', 'express', 'b2b'])] },
  });
  return {
    Records: Array.from({ length: count }, (_, n) => {
      const eventName = pick(next, ['INSERT', 'MODIFY', 'MODIFY', 'REMOVE'] as const);
      return {
        eventID: `bench-${n}`,
        eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        dynamodb: {
          ApproximateCreationDateTime: 1_795_352_709 + n,
          Keys: { pk: { S: `CUSTOMER#c-${n % 997}` }, sk: { S: `ORDER#o-${n}` } },
          ...(eventName !== 'REMOVE' && { NewImage: image(n, 'PAID') }),
          ...(eventName !== 'INSERT' && { OldImage: image(n, 'PLACED') }),
          SequenceNumber: `5${pad(n, 20)}`,
          SizeBytes: 400,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
        eventSourceARN: arn,
      };
    }),
  };
}
