// `npm run bench`: measures the Firehose functions as Lambda runs them (the `sam build`
// bundles, whole invocations from event text to serialised response) against the targets
// of docs/performance.md and the seed ETL, prints a table and writes bench/results/*.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { functionEnvironment } from '../offline/function-environment';
import { failureSummary, lambdaProcessEnv } from '../offline/lambda-process';
import { builtFunctionDir, loadTemplate, resourcesOfType } from '../offline/template';
import { csvSizes, customerColumnSeconds } from './csv';
import { startFirehoseEndpoint } from './firehose-endpoint';
import { clickstreamEvent, cloudWatchLogsEvent, dynamoDbStreamEvent, rawBytes } from './inputs';
import { MiB, median } from './stats';

/** The repository root, whether this runs from bench/ (jest) or bench/.build/ (npm run bench). */
function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'template.yaml'))) {
    if (dirname(dir) === dir) throw new Error('bench: cannot find the repository root');
    dir = dirname(dir);
  }
  return dir;
}
const ROOT = repoRoot(__dirname);
const BENCH = join(ROOT, 'bench');

export interface BenchOptions {
  /** Tiny inputs and one repetition: keeps the code from rotting, measures nothing. */
  readonly smoke?: boolean;
  /** Python with dateutil for the seed baseline (Debian's python3-dateutil by default). */
  readonly python?: string;
  readonly resultsDir?: string;
  readonly log?: (line: string) => void;
}

export interface Row {
  readonly measure: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly met?: boolean;
}

export interface BenchReport {
  readonly machine: { cpu: string; cores: number; node: string; platform: string };
  readonly smoke: boolean;
  readonly rows: Row[];
  readonly resultsFile: string;
}

async function buildWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, 'worker.cjs');
  await build({
    entryPoints: [join(BENCH, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

function bundle(logicalId: string): string {
  const path = join(builtFunctionDir(logicalId), 'index.js');
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`make sam-build\` first (make bench does)`);
  return path;
}

export async function runBenchmarks(options: BenchOptions = {}): Promise<BenchReport> {
  const smoke = options.smoke ?? false;
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'loglake-bench-'));
  const worker = await buildWorker(work);
  const firehose = await startFirehoseEndpoint();
  const env = lambdaProcessEnv({
    AWS_ENDPOINT_URL_FIREHOSE: firehose.url,
    // Logs and metrics on, as in Lambda: their cost is part of an invocation.
    POWERTOOLS_LOG_LEVEL: 'INFO',
    DELIVERY_STREAM_NAME: 'loglake-bench-dynamodb',
    // The bench's changes fit Firehose records: nothing goes to the overflow bucket.
    OVERFLOW_BUCKET: 'loglake-bench-raw',
  });
  // Asynchronous on purpose: the loopback Firehose endpoint answers from this process.
  let runs = 0;
  const run = async <T>(task: string, params: object, extraEnv: Record<string, string> = {}): Promise<T> => {
    const out = join(work, `${task}-${++runs}.json`);
    const child = spawn(process.execPath, [worker, task, JSON.stringify(params), out], {
      env: { ...extraEnv, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (status !== 0) throw new Error(`bench ${task} failed: ${failureSummary(stderr)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  };
  const writeEvent = (name: string, event: unknown) => {
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify(event));
    return path;
  };
  const rows: Row[] = [];
  const row = (measure: string, value: number, unit: string, target?: { text: string; met: boolean }) => {
    rows.push(
      target ? { measure, value, unit, target: target.text, met: target.met } : { measure, value, unit },
    );
    log(
      `  ${measure}: ${value.toFixed(value < 10 ? 2 : 1)} ${unit}${target ? `  (target ${target.text}: ${target.met ? 'met' : 'MISSED'})` : ''}`,
    );
  };
  const reps = smoke ? { warmup: 0, reps: 1 } : { warmup: 3, reps: 7 };

  try {
    // ---- clickstream transform vs the seed ETL
    const python = options.python ?? '/usr/bin/python3';
    const sizes = smoke ? [0.02] : [1, 3, 6];
    type Compared = {
      medianSeconds: number;
      floorSeconds: number;
      records: number;
      responseBytes: number;
      outputBytes: number;
      transformedRawBytes: number;
      reingested: number;
      reingestedRawBytes: number;
    };
    // Every Dropped answer in these inputs (no blank lines, no control messages) is a record
    // re-ingested past the response limit: the loopback Firehose counts them, and must agree.
    const compare = async (params: { bundle: string; eventFile: string; floor: string }) => {
      firehose.counts.records = 0;
      const compared = await run<Compared>('compare', { ...params, ...reps });
      const invocations = 1 + reps.warmup + reps.reps;
      if (firehose.counts.records !== compared.reingested * invocations)
        throw new Error(
          `bench: ${firehose.counts.records} records re-ingested over ${invocations} invocations, but ${compared.reingested} Dropped each`,
        );
      return compared;
    };
    for (const size of sizes) {
      log(`clickstream transform, ${size} MiB event`);
      const event = clickstreamEvent(Math.floor(size * MiB));
      const file = writeEvent(`clickstream-${size}`, event);
      const ours = await compare({
        bundle: bundle('ClickstreamTransformFunction'),
        eventFile: file,
        floor: 'clickstream',
      });
      const seedRun = spawnSync(python, ['run_seed_etl.py', file, smoke ? '0' : '1', smoke ? '1' : '3'], {
        cwd: join(BENCH, 'baseline'),
        encoding: 'utf8',
      });
      if (seedRun.status !== 0) throw new Error(`seed ETL baseline failed (${python}): ${seedRun.stderr}`);
      const seed = JSON.parse(seedRun.stdout) as { medianSeconds: number };
      // Only the bytes transformed count: records past the response limit are re-ingested, not transformed.
      const transformed = ours.transformedRawBytes;
      row(`clickstream ${size} MiB: raw log transformed`, transformed / MiB / ours.medianSeconds, 'MiB/s');
      row(
        `clickstream ${size} MiB: records/s`,
        (ours.records - ours.reingested) / ours.medianSeconds,
        'records/s',
      );
      const overFloor = ours.medianSeconds / ours.floorSeconds;
      row(`clickstream ${size} MiB: time vs the Node floor`, overFloor, 'x', {
        text: '<= 1.3',
        met: overFloor <= 1.3,
      });
      row(`clickstream ${size} MiB: the floor`, transformed / MiB / ours.floorSeconds, 'MiB/s');
      // The seed reads the whole event: compare per byte, at the seed's own throughput.
      const seedMibps = rawBytes(event) / MiB / seed.medianSeconds;
      const overSeed = transformed / MiB / ours.medianSeconds / seedMibps;
      row(`clickstream ${size} MiB: speed vs seed ETL`, overSeed, 'x', {
        text: '>= 20',
        met: overSeed >= 20,
      });
      row(`seed ETL ${size} MiB: raw log throughput`, seedMibps, 'MiB/s');
      row(`clickstream ${size} MiB: response`, ours.responseBytes, 'bytes', {
        text: '<= 6,000,000',
        met: ours.responseBytes <= 6_000_000,
      });
      if (ours.reingested > 0)
        row(
          `clickstream ${size} MiB: re-ingested (past the response limit)`,
          ours.reingestedRawBytes / MiB,
          'MiB',
        );
    }
    const largest = writeEvent('clickstream-rss', clickstreamEvent(smoke ? 20_000 : 6 * MiB));
    const rss = await run<{ maxRssMB: number }>('peakRss', {
      bundle: bundle('ClickstreamTransformFunction'),
      eventFile: largest,
    });
    row('clickstream 6 MiB: peak RSS of a fresh process', rss.maxRssMB, 'MB', {
      text: '<= 192',
      met: rss.maxRssMB <= 192,
    });

    // ---- CloudWatch Logs transform, at the buffering hint template.yaml configures: the
    // hint counts compressed payload bytes, which the event carries base64-encoded (x4/3).
    const hintMiB = Number(loadTemplate().Parameters?.CloudWatchLogsProcessorBufferSizeMiB?.Default);
    log(`CloudWatch Logs transform, ${hintMiB} MiB buffering hint`);
    const logsEvent = cloudWatchLogsEvent(smoke ? 30_000 : Math.ceil(hintMiB * MiB * (4 / 3)) + 4_096);
    const logs = await compare({
      bundle: bundle('CloudWatchLogsTransformFunction'),
      eventFile: writeEvent('cloudwatch-logs', logsEvent),
      floor: 'cloudwatchLogs',
    });
    row(
      'cloudwatch logs: decompressed output throughput',
      logs.outputBytes / MiB / logs.medianSeconds,
      'MiB/s',
    );
    const logsOverFloor = logs.medianSeconds / logs.floorSeconds;
    row('cloudwatch logs: time vs its Node floor (gunzip + JSON.parse)', logsOverFloor, 'x', {
      text: '<= 1.5',
      met: logsOverFloor <= 1.5,
    });
    row('cloudwatch logs: response', logs.responseBytes, 'bytes', {
      text: '<= 6,000,000',
      met: logs.responseBytes <= 6_000_000,
    });

    // ---- DynamoDB forwarder packing, against the loopback Firehose endpoint
    log('DynamoDB forwarder');
    const changes = smoke ? 100 : 10_000;
    firehose.counts.putRecordBatchCalls = 0;
    firehose.counts.records = 0;
    firehose.counts.bytes = 0;
    const forwarded = await run<{ failures: number }>('forward', {
      bundle: bundle('DynamoDbStreamForwarderFunction'),
      eventFile: writeEvent('dynamodb', dynamoDbStreamEvent(changes)),
    });
    if (forwarded.failures > 0) throw new Error(`forwarder reported ${forwarded.failures} failures`);
    const allowedCalls = Math.ceil(firehose.counts.bytes / (4 * MiB)) + 1;
    row(`dynamodb ${changes} changes: PutRecordBatch calls`, firehose.counts.putRecordBatchCalls, 'calls', {
      text: `<= ${allowedCalls}`,
      met: firehose.counts.putRecordBatchCalls <= allowedCalls,
    });
    row(`dynamodb ${changes} changes: Firehose records`, firehose.counts.records, 'records');
    row('dynamodb: packing ratio', changes / firehose.counts.records, 'changes/record');

    // ---- audit CSV customer column: throughput, and time linear in size even when a quote never closes
    for (const openQuote of [false, true]) {
      const kind = openQuote ? 'a quote never closed' : 'well-formed';
      log(`audit CSV customer column, ${kind}`);
      const [small, large] = csvSizes(smoke) as [number, number];
      const smallSeconds = await customerColumnSeconds(small, openQuote, reps.reps);
      const largeSeconds = await customerColumnSeconds(large, openQuote, reps.reps);
      row(`audit CSV ${large / MiB} MiB, ${kind}: throughput`, large / MiB / largeSeconds, 'MiB/s');
      const growth = largeSeconds / smallSeconds;
      row(`audit CSV, ${kind}: time for twice the bytes`, growth, 'x', {
        text: '<= 2.5 (linear)',
        met: growth <= 2.5,
      });
    }

    // ---- bundles: size and import time in a fresh process
    for (const id of resourcesOfType(loadTemplate(), 'AWS::Serverless::Function')
      .map(([logicalId]) => logicalId)
      .sort()) {
      const path = bundle(id);
      const imports: number[] = [];
      for (let i = 0; i < (smoke ? 1 : 7); i++) {
        imports.push(
          (await run<{ importMs: number }>('importTime', { bundle: path }, functionEnvironment(id))).importMs,
        );
      }
      const limit = id.endsWith('TransformFunction') ? 50 : 120;
      row(`${id}: bundle size`, statSync(path).size / 1024, 'KiB');
      row(`${id}: import in a fresh process`, median(imports), 'ms', {
        text: `<= ${limit}`,
        met: median(imports) <= limit,
      });
    }
  } finally {
    await firehose.close();
  }

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: process.platform,
  };
  const resultsDir = options.resultsDir ?? join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(
    resultsDir,
    `${smoke ? 'smoke' : 'bench'}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  const report = { machine, smoke, rows, resultsFile };
  writeFileSync(resultsFile, `${JSON.stringify({ ...report, at: new Date().toISOString() }, null, 2)}\n`);
  return report;
}

export function formatTable(report: BenchReport): string {
  const lines = [
    `loglake benchmarks on ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}`,
    '',
    `| measure | value | target |`,
    `|---|---:|---|`,
    ...report.rows.map(
      (r) =>
        `| ${r.measure} | ${r.value.toLocaleString('en-US', { maximumFractionDigits: r.value < 10 ? 2 : 1 })} ${r.unit} | ${
          r.target ? `${r.target} ${r.met ? '✓' : '✗ missed'}` : ''
        } |`,
    ),
    '',
    `results: ${report.resultsFile}`,
  ];
  return lines.join('\n');
}

if (require.main === module) {
  runBenchmarks({ log: (line) => console.log(line) })
    .then((report) => console.log(`\n${formatTable(report)}`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
