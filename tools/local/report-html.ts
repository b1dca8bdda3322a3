import type { DemoResult } from './demo';
import { reconciledRows, TABLE_HEADER, tableCells } from './demo-table';
import type { Notice } from './services';

const escapeHtml = (text: unknown) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );

const PLOT = { left: 70, right: 12, top: 34, bottom: 52 } as const;

/**
 * Both axes with their titles (the unit on y, "UTC" on x), ticks at 0, half and the maximum,
 * and light gridlines: the frame every chart of the report is drawn in.
 */
function axes(width: number, height: number, max: number, yTitle: string, xTitle: string): string {
  const baseline = height - PLOT.bottom;
  const span = baseline - PLOT.top;
  const ticks = [0, Math.round(max / 2), max]
    .map((value) => {
      const y = (baseline - (value / max) * span).toFixed(1);
      return `<line x1="${PLOT.left}" y1="${y}" x2="${width - PLOT.right}" y2="${y}" stroke="#eee"/><text x="${PLOT.left - 6}" y="${y}" dy="4" font-size="11" text-anchor="end">${value}</text>`;
    })
    .join('');
  return `${ticks}<line x1="${PLOT.left}" y1="${PLOT.top - 6}" x2="${PLOT.left}" y2="${baseline}" stroke="#666"/><line x1="${PLOT.left}" y1="${baseline}" x2="${width - PLOT.right}" y2="${baseline}" stroke="#666"/><text transform="translate(16 ${PLOT.top + span / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeHtml(yTitle)}</text><text x="${PLOT.left + (width - PLOT.left - PLOT.right) / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${escapeHtml(xTitle)}</text>`;
}

/** Stacked bars of requests per hour by status class, from the Athena hourly summary. */
export function statusChart(hourly: { columns: string[]; rows: string[][] } | undefined): string {
  const rows = (hourly?.rows ?? []).filter((r) => r[0] !== 'total');
  const col = (name: string) => hourly?.columns.indexOf(name) ?? -1;
  const classes = [
    ['status_2xx', '#2e7d32'],
    ['status_3xx', '#1565c0'],
    ['status_4xx', '#f9a825'],
    ['status_5xx', '#c62828'],
  ] as const;
  const max = Math.max(1, ...rows.map((r) => Number(r[col('requests')])));
  const width = 640;
  const height = 280;
  const baseline = height - PLOT.bottom;
  const slot = (width - PLOT.left - PLOT.right) / Math.max(1, rows.length);
  const bar = Math.min(80, slot - 12);
  const bars = rows
    .map((r, i) => {
      let y = baseline;
      const x = PLOT.left + 6 + i * slot;
      const parts = classes.map(([name, color]) => {
        const h = (Number(r[col(name)]) / max) * (baseline - PLOT.top);
        y -= h;
        return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${name}: ${r[col(name)]}</title></rect>`;
      });
      return `${parts.join('')}<text x="${(x + bar / 2).toFixed(1)}" y="${baseline + 16}" font-size="11" text-anchor="middle">${escapeHtml(String(r[0]).slice(5))}</text>`;
    })
    .join('');
  const legend = classes
    .map(
      ([name, color], i) =>
        `<rect x="${PLOT.left + i * 110}" y="8" width="12" height="12" fill="${color}"/><text x="${PLOT.left + 16 + i * 110}" y="19" font-size="12">${name.replace('status_', '')}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>Requests per hour by status class</title>${axes(width, height, max, 'requests per hour', 'hour starting (UTC)')}${legend}${bars}</svg>`;
}

/** CloudTrail calls per hour, from the hourly timeseries files. */
export function callsPlot(callsByHour: [string, number][]): string {
  const width = 640;
  const height = 240;
  const baseline = height - PLOT.bottom;
  const max = Math.max(1, ...callsByHour.map(([, n]) => n));
  const step = (width - PLOT.left - PLOT.right) / Math.max(1, callsByHour.length - 1);
  const points = callsByHour
    .map(
      ([, n], i) =>
        `${(PLOT.left + i * step).toFixed(1)},${(baseline - (n / max) * (baseline - PLOT.top)).toFixed(1)}`,
    )
    .join(' ');
  // Hours are keyed as the timeseries prefix names them (20261120 0000): labelled as a reader writes them.
  const label = (hour = '') => hour.replace(/^(\d{4})(\d{2})(\d{2}) (\d{2})(\d{2})$/, '$1-$2-$3 $4:$5');
  const first = label(callsByHour[0]?.[0]);
  const last = label(callsByHour.at(-1)?.[0]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>CloudTrail calls per hour</title>${axes(width, height, max, 'API calls per hour', 'hour (UTC)')}<polyline points="${points}" fill="none" stroke="#6a1b9a" stroke-width="2"/><text x="${PLOT.left}" y="${baseline + 16}" font-size="11">${escapeHtml(first)}</text><text x="${width - PLOT.right}" y="${baseline + 16}" font-size="11" text-anchor="end">${escapeHtml(last)}</text></svg>`;
}

function table(columns: string[], rows: (string | number)[][]): string {
  return `<table><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function htmlReport(
  result: DemoResult,
  queries: {
    hourly?: { columns: string[]; rows: string[][] };
    topPaths?: { columns: string[]; rows: string[][] };
  },
  notices: Notice[],
): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>loglake demo</title>
<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}pre{background:#f7f7f7;padding:8px;white-space:pre-wrap;font-size:12px}</style></head><body>
<h1>loglake demo</h1>
<p>Every pipeline ran on this machine with the real handlers, state machines, Glue transforms (local Spark) and SQL (DuckDB for Athena, PostgreSQL for Redshift), from ${escapeHtml(result.startedAt)} for ${result.seconds.toFixed(1)} s.</p>
${
  result.clickstream
    ? `<h2>Clickstream report (Athena SQL)</h2>
${statusChart(queries.hourly)}
${queries.hourly ? table(queries.hourly.columns, queries.hourly.rows) : '<p>no report</p>'}
<h3>Top paths per hour</h3>
${queries.topPaths ? table(queries.topPaths.columns, queries.topPaths.rows) : '<p>no report</p>'}
${searchSection(result.clickstream)}`
    : ''
}
${result.cloudtrail ? `<h2>CloudTrail calls per hour (timeseries CSV)</h2>\n${callsPlot(result.cloudtrail.callsByHour)}` : ''}
${
  result.ingestion
    ? `<h2>Central logging: volume per source account</h2>
<p>What the destination policy admitted and the account-level policy selected, read back from the raw zone under <code>cloudwatch-logs/account=&lt;id&gt;/</code>; excluded by the account policy: ${escapeHtml(result.ingestion.centralLogging.excluded.map((e) => `${e.logGroup} (${e.payloads} payloads)`).join(', ') || 'nothing')}.</p>
${table(
  ['account', 'through', 'log groups', 'events sent', 'events stored', 'objects', 'bytes (gzip)'],
  result.ingestion.centralLogging.byAccount.map((a) => [
    a.account,
    a.via,
    a.logGroups,
    a.eventsSent,
    a.eventsStored,
    a.objects,
    a.bytes,
  ]),
)}`
    : ''
}
<h2>Pipelines</h2>
<p>Each line reconciles: what went in is ok, failed or skipped for the reason given.</p>
${table(TABLE_HEADER, reconciledRows(result).map(tableCells))}
<h2>Why records failed</h2>
${
  result.failures.length === 0
    ? '<p>No record failed.</p>'
    : table(
        ['pipeline', "reason (the transform's own)", 'records', 'samples', 'kept in'],
        result.failures.map((f) => [
          f.pipeline,
          f.reason,
          f.count,
          f.samples.join(' | '),
          f.keys.slice(0, 2).join(' ') + (f.keys.length > 2 ? ` (+${f.keys.length - 2})` : ''),
        ]),
      )
}
<h2>Notifications (what SNS would have sent)</h2>
${notices.map((n) => `<pre><b>${escapeHtml(n.subject)}</b>\n${escapeHtml(n.message)}</pre>`).join('')}
</body></html>
`;
}

/**
 * The dashboards' numbers (each visualization's own search on the local OpenSearch node) beside
 * the Athena report's: two engines, one sample, the same counts.
 */
function searchSection(click: NonNullable<DemoResult['clickstream']>): string {
  const rows = (id: string) => click.search.visualizations.find((v) => v.id === id)?.rows ?? [];
  const one = (id: string) => rows(id)[0]?.value ?? '';
  const classes = rows('loglake-clickstream-status-classes');
  const headline = click.report;
  const compared: (string | number)[][] = [
    ['requests (all status classes)', classes.reduce((sum, r) => sum + r.value, 0), headline.requests ?? ''],
    [
      '5xx responses',
      classes.find((r) => r.keys[0] === '500.0-600.0')?.value ?? '',
      headline.status5xx ?? '',
    ],
    ['page views', one('loglake-clickstream-page-views'), headline.pageViews ?? ''],
    ['sign-ups', one('loglake-clickstream-sign-ups'), headline.signUps ?? ''],
    ['sign-ins', one('loglake-clickstream-sign-ins'), headline.signIns ?? ''],
    ['distinct usernames', one('loglake-clickstream-distinct-usernames'), headline.distinctUsers ?? ''],
  ];
  return `<h2>Search: the dashboards on a local OpenSearch node</h2>
<p>${click.search.documentsIndexed} documents indexed from ${click.search.objectsForwarded} raw-zone objects through the forwarder and the search stream (${click.search.documentsBackedUp} backed up); each number is the saved visualization's own search (dashboards/clickstream.ndjson) on OpenSearch 2.19, started in ${click.search.nodeStartSeconds.toFixed(1)} s.</p>
${table(['visualization', 'OpenSearch', 'Athena'], compared)}
<h3>Responses: 200 vs 500, per hour</h3>
${table(
  ['hour (UTC)', 'status', 'requests'],
  rows('loglake-clickstream-responses-200-vs-500').map((r) => [
    r.keys[0]?.slice(0, 13) ?? '',
    r.keys[1] ?? '',
    r.value,
  ]),
)}
<h3>Top paths</h3>
${table(
  ['path', 'requests'],
  rows('loglake-clickstream-top-paths').map((r) => [r.keys[0] ?? '', r.value]),
)}`;
}
