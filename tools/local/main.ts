import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';

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
  // Loaded after the environment above is set (handlers read theirs at cold start).
  const { runDemo } = require('./demo') as typeof import('./demo');
  const outDir = process.env.DEMO_OUT ?? join(REPO_ROOT, 'demo-output');
  await runDemo({ outDir, clickstreamLines: 5000, auditRowsPerCustomer: 200, trailDays: 3 });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
