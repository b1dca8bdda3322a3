import { gzipSync } from 'node:zlib';
import type { Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import { random } from '../../bench/inputs';

/**
 * Sample data for the demo, generated from a seed so every run (and the demo test) sees the
 * same data, with what each line means kept beside it, so results can be checked
 * independently of the pipelines.
 */

export interface SampleRequest {
  readonly line: string;
  /** undefined for a malformed or blank line. */
  readonly parsed?: { hour: string; verb: string; path: string; status: number; user?: string };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PAGES = [
  '/',
  '/blog/hello-world',
  '/blog/serverless-logs',
  '/products/42',
  '/products/7',
  '/pricing',
  '/about',
];
const ASSETS = ['/wp-content/themes/site/style.css', '/wp-includes/js/app.js', '/images/logo.png'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
export const SIGN_UP_PATH = '/wp-login.php?action=register';
export const SIGN_IN_PATH = '/wp-login.php';

const clf = (t: Date) =>
  `${String(t.getUTCDate()).padStart(2, '0')}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;

/** `count` access-log lines over the `hours` hours up to `end`, with errors, sign-ups and bad lines. */
export function clickstreamSample(count: number, end: Date, hours = 3, seed = 7): SampleRequest[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const lastHour = Math.floor(end.getTime() / 3_600_000) * 3_600_000;
  const first = lastHour - (hours - 1) * 3_600_000;
  const requests: SampleRequest[] = [];
  for (let n = 0; n < count; n++) {
    const roll = next();
    if (roll < 0.02) {
      requests.push({
        line: pick(['GET / HTTP/1.1 200', 'not an access log line', '10.0.0.1 - - [yesterday] "GET /"']),
      });
      continue;
    }
    const time = new Date(first + Math.floor(next() * (end.getTime() - first)));
    const kind = next();
    let verb = 'GET';
    let path = pick(PAGES);
    let status = 200;
    if (kind < 0.15) path = pick(ASSETS);
    else if (kind < 0.2) [verb, path, status] = ['POST', SIGN_UP_PATH, 302];
    else if (kind < 0.3) [verb, path, status] = ['POST', SIGN_IN_PATH, 302];
    else if (kind < 0.34) [path, status] = ['/checkout', 500];
    else if (kind < 0.4) [path, status] = ['/no-such-page', 404];
    else if (kind < 0.43) [path, status] = ['/old-pricing', 301];
    const user = next() < 0.45 ? pick(USERS) : undefined;
    const ip =
      next() < 0.1
        ? `2001:db8::${Math.floor(next() * 255).toString(16)}`
        : `10.0.${Math.floor(next() * 20)}.${Math.floor(next() * 250)}`;
    const cookie = user ? ` "user = ${user}; theme=dark"` : '';
    requests.push({
      line: `${ip} - - [${clf(time)}] "${verb} ${path} HTTP/1.1" ${status} ${status === 200 ? 1000 + Math.floor(next() * 9000) : 0} "http://loglake.example/" "Mozilla/5.0 (X11; Linux x86_64)"${cookie}`,
      parsed: { hour: time.toISOString().slice(0, 13), verb, path, status, user },
    });
  }
  return requests;
}

/** What the report should say for these requests, computed without the pipelines. */
export function expectedReport(requests: readonly SampleRequest[]) {
  const parsed = requests.flatMap((r) => (r.parsed ? [r.parsed] : []));
  const asset = (path: string) => /\.(css|js|png|jpg|gif|svg|ico|woff)/i.test(path);
  const count = (test: (r: (typeof parsed)[number]) => boolean) => parsed.filter(test).length;
  return {
    requests: parsed.length,
    status5xx: count((r) => r.status >= 500),
    pageViews: count((r) => r.verb === 'GET' && r.status < 300 && r.status >= 200 && !asset(r.path)),
    signUps: count((r) => r.verb === 'POST' && r.path.startsWith(SIGN_UP_PATH)),
    signIns: count(
      (r) => r.verb === 'POST' && r.path.startsWith(SIGN_IN_PATH) && !r.path.startsWith(SIGN_UP_PATH),
    ),
    distinctUsers: new Set(parsed.flatMap((r) => (r.user ? [r.user] : []))).size,
    malformed: requests.length - parsed.length,
  };
}

export interface AuditSample {
  /** CSV text by `s3://bucket/key`. */
  readonly files: Record<string, string>;
  readonly sources: { customer: string; uri: string }[];
  /** Event ids that are valid and unique: what Redshift should hold after the load. */
  readonly uniqueValidEvents: number;
  readonly invalidRows: number;
}

/** Per-customer WAU audit-log exports, with a re-sent event, quoted fields and one untypable row. */
export function auditSample(day: Date, rowsPerCustomer = 40, seed = 11): AuditSample {
  const next = random(seed);
  const date = day.toISOString().slice(0, 10);
  const header = 'event_id,event_time,event_date,user_name,action,resource,source_ip,status';
  const actions = ['login', 'logout', 'export', 'update-profile', 'delete'];
  const files: Record<string, string> = {};
  const sources: { customer: string; uri: string }[] = [];
  const ids = new Set<string>();
  let invalidRows = 0;
  for (const [c, customer] of ['acme', 'globex', 'initech'].entries()) {
    const rows: string[] = [];
    for (let n = 0; n < rowsPerCustomer; n++) {
      const id = `${customer}-${String(n).padStart(5, '0')}`;
      const time = `${date}T${String(Math.floor(next() * 24)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}:07Z`;
      const resource =
        n % 9 === 0 ? `"/reports/q${(n % 4) + 1}, final.xlsx"` : `/app/${actions[n % actions.length]}`;
      rows.push(
        `${id},${time},${date},user${n % 7}@${customer}.example,${actions[n % actions.length]},${resource},192.0.2.${c * 10 + (n % 10)},SUCCESS`,
      );
      ids.add(id);
    }
    // An event the customer's system exported twice, and one row whose time cannot be read.
    rows.push(rows[0] as string);
    rows.push(
      `${customer}-bad-time,not-a-time,${date},user@${customer}.example,login,/console,192.0.2.1,SUCCESS`,
    );
    invalidRows++;
    const uri = `s3://wau-${customer}-audit/exports/${date}/audit-000.csv`;
    files[uri] = `${[header, ...rows].join(customer === 'acme' ? '\r\n' : '\n')}\n`;
    sources.push({ customer, uri: `s3://wau-${customer}-audit/exports/${date}/` });
  }
  return { files, sources, uniqueValidEvents: ids.size, invalidRows };
}

/** CloudTrail events of one service over the `days` days before `end`, newest first. */
export function cloudTrailSample(end: Date, days = 3, perHour = 6, seed = 5): TrailEvent[] {
  const next = random(seed);
  const names = ['Decrypt', 'Decrypt', 'Decrypt', 'GenerateDataKey', 'Encrypt', 'DescribeKey'];
  const events: TrailEvent[] = [];
  const start = end.getTime() - days * 24 * 3_600_000;
  for (let hour = start; hour < end.getTime(); hour += 3_600_000) {
    // A daily rhythm, so the plot shows one.
    const load = Math.round(perHour * (1 + Math.sin((((hour / 3_600_000) % 24) / 24) * 2 * Math.PI)));
    for (let n = 0; n < load; n++) {
      const name = names[Math.floor(next() * names.length)] as string;
      events.push({
        EventId: `demo-${hour}-${n}`,
        EventName: name,
        ReadOnly: name === 'Encrypt' ? 'false' : 'true',
        EventTime: new Date(hour + Math.floor(next() * 3_600_000)),
        EventSource: 'kms.amazonaws.com',
        Username: 'checkout-api-role',
        AccessKeyId: 'ASIAXMPL7W66TXMPLVJK',
        Resources: [],
      });
    }
  }
  return events.sort((a, b) => Number(b.EventTime) - Number(a.EventTime));
}

export interface LogPayload {
  readonly owner: string;
  readonly logGroup: string;
  readonly events: number;
  /** The gzip DATA_MESSAGE CloudWatch Logs sends. */
  readonly payload: Buffer;
}

/** Three sending accounts and their log groups, and this account's, loglake's own transform among them. */
export const SENDING_ACCOUNTS: Record<string, string[]> = {
  '111111111111': ['/aws/lambda/checkout-api', '/aws/lambda/inventory-sync'],
  '222222222222': ['/aws/lambda/payments', '/aws/rds/instance/orders/postgresql'],
  '333333333333': ['vpc-flow-logs/prod'],
};

/**
 * Subscription payloads as CloudWatch Logs sends them from each sending account and from this
 * one (`ownAccount`, whose `ownLogGroups` include log groups the account policy must exclude),
 * each with 5-40 events in the hour before `end`.
 */
export function centralLoggingSample(
  end: Date,
  ownAccount: string,
  ownLogGroups: string[],
  seed = 11,
): LogPayload[] {
  const next = random(seed);
  const groups = [
    ...Object.entries(SENDING_ACCOUNTS).flatMap(([owner, logGroups]) =>
      logGroups.map((g) => [owner, g] as const),
    ),
    ...ownLogGroups.map((g) => [ownAccount, g] as const),
  ];
  const start = end.getTime() - 3_600_000;
  let id = 0;
  return groups.flatMap(([owner, logGroup], g) =>
    [0, 1].map((p) => {
      const count = 5 + Math.floor(next() * 36);
      const logEvents = Array.from({ length: count }, (_, n) => {
        id += 1;
        return {
          id: String(id).padStart(56, '0'),
          timestamp: start + Math.floor(next() * 3_599_000),
          message: `{"level":"${next() < 0.1 ? 'ERROR' : 'INFO'}","msg":"request ${n} of stream ${g}.${p}"}`,
        };
      }).sort((a, b) => a.timestamp - b.timestamp);
      const message = {
        messageType: 'DATA_MESSAGE',
        owner,
        logGroup,
        logStream: `2026/11/22/[$LATEST]${String(g * 2 + p).padStart(32, '0')}`,
        subscriptionFilters: ['loglake-central-logs'],
        logEvents,
      };
      return { owner, logGroup, events: count, payload: gzipSync(JSON.stringify(message)) };
    }),
  );
}

/**
 * What each dashboard visualization should show for these requests, computed from the sample's
 * own record of each line (not from the index): rows keyed as the visualizations key them.
 */
export function expectedDashboard(requests: readonly SampleRequest[]) {
  const parsed = requests.flatMap((r) => (r.parsed ? [r.parsed] : []));
  const report = expectedReport(requests);
  const tally = (keyOf: (r: (typeof parsed)[number]) => string | undefined) => {
    const counts = new Map<string, number>();
    for (const r of parsed) {
      const key = keyOf(r);
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const byHourAndStatus = tally((r) =>
    r.status === 200 || r.status === 500 ? `${r.hour}:00:00.000Z|${r.status}` : undefined,
  );
  const hours = [...new Set(parsed.map((r) => r.hour))].sort();
  const byPath = [...tally((r) => r.path)].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const byClass = tally(
    (r) => `${Math.floor(r.status / 100) * 100}.0-${Math.floor(r.status / 100) * 100 + 100}.0`,
  );
  return {
    'loglake-clickstream-responses-200-vs-500': hours.flatMap((hour) =>
      ['200', '500'].map((status) => ({
        keys: [`${hour}:00:00.000Z`, status],
        value: byHourAndStatus.get(`${hour}:00:00.000Z|${status}`) ?? 0,
      })),
    ),
    'loglake-clickstream-page-views': [{ keys: [], value: report.pageViews }],
    'loglake-clickstream-sign-ups': [{ keys: [], value: report.signUps }],
    'loglake-clickstream-sign-ins': [{ keys: [], value: report.signIns }],
    'loglake-clickstream-distinct-usernames': [{ keys: [], value: report.distinctUsers }],
    'loglake-clickstream-top-paths': byPath.slice(0, 10).map(([path, value]) => ({ keys: [path], value })),
    'loglake-clickstream-status-classes': ['200.0-300.0', '300.0-400.0', '400.0-500.0', '500.0-600.0'].map(
      (key) => ({ keys: [key], value: byClass.get(key) ?? 0 }),
    ),
  } as Record<string, { keys: string[]; value: number }[]>;
}
