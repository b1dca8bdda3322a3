import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { eventTarget } from '../../offline/event-targets';
import { REPO_ROOT } from '../../offline/fixtures';
import { scratchDir } from '../../offline/lambda-process';
import { type ProcessRun, runProcess } from '../../offline/process';

/**
 * `make invoke` on every file under events/: the built bundle (or the workflow) runs on it, and
 * either answers with JSON alone on standard output, or exits 1 naming what it was sent and why
 * it refused. The invocations run in fresh processes, two at a time.
 */
const NOT_LAMBDA_EVENTS = new Set(['clickstream-api']); // POST /events bodies, for the API's mapping templates
const files = readdirSync(join(REPO_ROOT, 'events'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json') && !NOT_LAMBDA_EVENTS.has(f.split('/')[0] ?? ''))
  .map((f) => join('events', f))
  .sort();
/** The events refused by design (bad input, or data not in the local S3), by the error they name. */
const NO_LOCAL_STAND_IN = 'no local stand-in';
const REFUSED: Record<string, string> = {
  'api-key-rotation/manual.json': NO_LOCAL_STAND_IN,
  'api-key-rotation/now.json': NO_LOCAL_STAND_IN,
  'api-key-rotation/scheduled.json': NO_LOCAL_STAND_IN,
  'audit-log-aggregator/aggregated-copies.json': 'AggregationRequestError',
  'audit-log-aggregator/source-files.json': 'AggregationRequestError',
  'audit-log-aggregator/sam-scheduled-event.json': 'AggregationRequestError',
  'audit-log-aggregator/exports-as-people-make-them.json': 'SourceMissingError',
  'audit-log-aggregator/manual-batch.json': 'SourceMissingError',
  'audit-log-aggregator/scheduled.json': 'SourceMissingError',
  'cloudtrail-backfill/too-many-days.json': 'CloudTrailBackfill.InvalidInput',
  'cloudtrail-timeseries/sam-scheduled-event.json': 'InvalidRequestError',
  'completion-token/reclaim-failed.json': 'CompletionToken.TokenUnreadable',
  'completion-token/token-created.json': 'CompletionToken.TokenUnreadable',
  'completion-token/verify-not-a-token.json': 'CompletionToken.NotATokenEvent',
  'dynamodb-stream-forwarder/dead-letter-message.json': 'InvalidStreamEventError',
  'redshift-load/audit-parquet.json': 'RedshiftLoad.StatementFailed',
  'redshift-load/manifest-csv.json': 'RedshiftLoad.StatementFailed',
  'redshift-load/invalid-table.json': 'RedshiftLoad.InvalidInput',
  // Its object is a demo's: make invoke … S3_DIR=demo-output/s3 after make demo forwards it.
  'search-forwarder/object-created.json': 'FullBatchFailureError',
};
const runs = new Map<string, ProcessRun>();

const invoke = (args: string[]) =>
  runProcess(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH } });

beforeAll(async () => {
  const tool = join(scratchDir('invoke-tool'), 'invoke.cjs');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'tools', 'invoke', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    loader: { '.sql': 'text' },
    external: ['@aws-sdk/*', '@electric-sql/pglite'],
    outfile: tool,
    logLevel: 'error',
  });
  const storeRoot = scratchDir('invoke-s3');
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift())
      runs.set(file, await invoke([tool, '--event', file, '--s3-dir', storeRoot]));
  };
  await Promise.all([worker(), worker()]);
}, 600_000);

describe('make invoke on every event under events/', () => {
  it('finds the function or workflow of every events folder, and knows every refusal it expects', () => {
    expect(files.filter((f) => !eventTarget(f))).toEqual([]);
    expect(Object.keys(REFUSED).filter((f) => !files.includes(join('events', f)))).toEqual([]);
  });

  it.each(files)(
    '%s: JSON alone on standard output, or exit 1 with what was sent and the reason it expects',
    (file) => {
      const run = runs.get(file);
      const target = eventTarget(file);
      const lastLine = run?.stderr.trimEnd().split('\n').at(-1) ?? '';
      const refusal = REFUSED[file.replace(/^events\//, '')];

      if (!refusal) {
        expect([file, run?.status, lastLine]).toEqual([file, 0, expect.anything()]);
        expect(run?.stdout.trimEnd().split('\n')).toHaveLength(1);
        expect(() => JSON.parse(String(run?.stdout))).not.toThrow();
      } else {
        expect([file, run?.status, run?.stdout]).toEqual([file, 1, '']);
        expect(lastLine).toMatch(
          refusal === NO_LOCAL_STAND_IN
            ? /calls a service with no local stand-in|run it on the deployed stack/
            : new RegExp(`^${target?.logicalId} (threw|FAILED) on ${file}: ${refusal}: `),
        );
      }
    },
  );

  it('digests a Firehose answer: result counts, Ok records decoded, each ProcessingFailed with its reason', () => {
    const run = runs.get(join('events', 'clickstream-transform', 'mixed.json'));

    expect(run?.stderr).toContain('Firehose results: 3 Ok, 1 Dropped, 2 ProcessingFailed');
    expect(run?.stderr).toMatch(
      /ProcessingFailed \d+: line does not match .*; original bytes "this is not an access log line\\n"/,
    );
    expect(JSON.parse(String(run?.stdout)).records).toHaveLength(6);
  });

  it('keeps the logs and metrics on standard error, and never a key value on standard output', () => {
    const keys = runs.get(join('events', 'usage-plan-keys', 'verify.json'));

    expect(keys?.status).toBe(0);
    expect(keys?.stdout).not.toContain('local-key-value');
    expect(keys?.stdout).toContain('local-key-id');
    expect(runs.get(join('events', 'clickstream-transform', 'good.json'))?.stderr).toContain('"_aws"');
  });

  it('runs workflows through their states and prints their output', () => {
    const backfill = runs.get(join('events', 'cloudtrail-backfill', 'explicit-window.json'));

    expect(backfill?.stderr).toContain('› Plan backfill');
    expect(JSON.parse(String(backfill?.stdout))).toMatchObject({ hoursWritten: expect.any(Number) });
  });
});
