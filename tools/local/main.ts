import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../offline/fixtures';

const HELP = `make demo: every loglake pipeline on this machine, on sample data, with the real code.

  make demo                          the default clock, 2026-11-22T14:00:00Z: two runs print the same numbers
  make demo NOW=2026-12-01T09:00:00Z the samples end, and the scheduled runs start, at that time instead
  make demo PIPELINE=clickstream     only that pipeline (clickstream, audit, cloudtrail, ingestion; comma-separated)
  node tools/local/.build/demo.cjs --help

Writes demo-output/ (DEMO_OUT= elsewhere): report.html, summary.json and the local lake under s3/.`;

/** The demo's fixed clock: the samples end at it, so every run has the same numbers. */
const DEFAULT_NOW = '2026-11-22T14:00:00Z';

// Quiet Powertools before any handler loads: the demo prints its own progress.
Object.assign(process.env, {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});

async function main() {
  const { values } = parseArgs({
    options: { help: { type: 'boolean' }, now: { type: 'string' }, pipeline: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const now = new Date(values.now || process.env.NOW || DEFAULT_NOW);
  if (Number.isNaN(now.getTime())) throw new Error(`NOW=${values.now ?? process.env.NOW} is not a timestamp`);
  // Loaded after the environment above is set (handlers read theirs at cold start).
  const { DEMO_PIPELINES, runDemo } = require('./demo') as typeof import('./demo');
  const pipelines = values.pipeline?.split(',').map((p) => p.trim());
  const unknown = pipelines?.filter((p) => !(DEMO_PIPELINES as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(
      `PIPELINE=${values.pipeline}: no pipeline ${unknown.join(', ')}; the pipelines are ${DEMO_PIPELINES.join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  const outDir = process.env.DEMO_OUT ?? join(REPO_ROOT, 'demo-output');
  await runDemo({
    outDir,
    clickstreamLines: 5000,
    auditRowsPerCustomer: 200,
    trailDays: 3,
    now,
    pipelines: pipelines as import('./demo').DemoPipeline[] | undefined,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
