import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { eventTarget } from '../../offline/event-targets';
import { REPO_ROOT } from '../../offline/fixtures';
import { scratchDir } from '../../offline/lambda-process';

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
const runs = new Map<string, { status: number | null; stdout: string; stderr: string }>();

function invoke(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c;
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

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
  it('finds the function or workflow of every events folder', () => {
    expect(files.filter((f) => !eventTarget(f))).toEqual([]);
  });

  it.each(files)(
    '%s: JSON alone on standard output, or exit 1 with what was sent and a named reason',
    (file) => {
      const run = runs.get(file);
      const target = eventTarget(file);
      const lastLine = run?.stderr.trimEnd().split('\n').at(-1) ?? '';

      if (run?.status === 0) {
        expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
        expect(() => JSON.parse(run.stdout)).not.toThrow();
      } else {
        expect(run?.status).toBe(1);
        expect(run?.stdout).toBe('');
        // "<Id> threw on <file>: <Name>Error: …", "<Id> FAILED on <file>: <Workflow>.<Name>: …",
        // or the workflow that needs a service with no local stand-in.
        const named = new RegExp(
          `^${target?.logicalId} (threw on ${file}: (?!TypeError|Error:)\\w+Error: |FAILED on ${file}: \\w+\\.\\w+: )`,
        );
        expect([file, named.test(lastLine) || /run it on the deployed stack/.test(lastLine)]).toEqual([
          file,
          true,
        ]);
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
