import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from './fixtures';

/**
 * Running a built function in a fresh Node process of the runtime's major, as Lambda
 * would: for the bundle tests, the throttling test and the benchmarks.
 */

/** The environment every Lambda has, plus `extra` (a function's own variables, endpoints…). */
export function lambdaProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: 'bundle-under-test',
    POWERTOOLS_SERVICE_NAME: 'loglake',
    POWERTOOLS_METRICS_NAMESPACE: 'LogLake',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...extra,
  };
}

/** Minified bundles print whole source lines with a stack: keep the lines that say what failed. */
export function failureSummary(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.length < 400 && !line.startsWith('    at '))
    .slice(-12)
    .join('\n');
}

/** A scratch folder inside the repository, so bundles there resolve the SDK from node_modules. */
export function scratchDir(name: string): string {
  mkdirSync(join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
  return mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', `loglake-${name}-`));
}

let entry: string | undefined;

/** Invokes `bundle` once with `event` in a fresh process; resolves with its result and what it printed. */
export async function invokeBundle(options: {
  bundle: string;
  event: unknown;
  env?: Record<string, string>;
  /** Answer S3 in memory and report the keys written. */
  fakeS3?: boolean;
  /**
   * With fakeS3: every object read is a generated audit-log CSV of this many MiB, streamed;
   * the run reports the multipart part sizes and the peak memory held while it was read.
   */
  fakeS3SourceMiB?: number;
}): Promise<{ result: unknown; s3Puts: string[]; printed: string[]; parts: number[]; peakBytes: number }> {
  const work = scratchDir('invoke');
  entry ??= (() => {
    const outfile = join(scratchDir('invoke-entry'), 'invoke-bundle.cjs');
    buildSync({
      entryPoints: [join(__dirname, 'invoke-bundle.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      external: ['@aws-sdk/*'],
      outfile,
      logLevel: 'error',
    });
    return outfile;
  })();
  const eventFile = join(work, 'event.json');
  const outFile = join(work, 'out.json');
  writeFileSync(eventFile, JSON.stringify(options.event));
  const child = spawn(
    process.execPath,
    [
      ...(options.fakeS3SourceMiB ? ['--expose-gc'] : []),
      entry,
      options.bundle,
      eventFile,
      outFile,
      ...(options.fakeS3 ? ['--fake-s3'] : []),
      ...(options.fakeS3SourceMiB ? [`--source-mib=${options.fakeS3SourceMiB}`] : []),
    ],
    { cwd: REPO_ROOT, env: lambdaProcessEnv(options.env), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`invocation failed (exit ${status}): ${failureSummary(stderr)}`);
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

/** A function bundled from source as `sam build` would, to run in a fresh process. */
export function bundleFromSource(entryPoint: string, external: string[] = ['@aws-sdk/*']): string {
  const bundle = join(scratchDir('source-bundle'), 'index.js');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'functions', entryPoint)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    external,
    outfile: bundle,
    logLevel: 'error',
  });
  return bundle;
}
