// Runs one measurement in a fresh process (bench/main.ts spawns it) and writes its result,
// as JSON, to the file named last on the command line. The handlers measured are the
// bundles `sam build` produced: what Lambda runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { lambdaContext } from '../offline/lambda-context';
import { medianSeconds } from './stats';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Records = { records: { result: string; data?: string }[] };

const context = lambdaContext('loglake-bench');

/** One invocation as the Lambda runtime does it: parse the event text, call, serialise. */
async function invoke(handler: Handler, eventText: string): Promise<string> {
  return JSON.stringify(await handler(JSON.parse(eventText), context));
}

const load = (bundle: string) => (require(bundle) as { handler: Handler }).handler;

async function transform(params: { bundle: string; eventFile: string; warmup: number; reps: number }) {
  const handler = load(params.bundle);
  const text = readFileSync(params.eventFile, 'utf8');
  const response = await invoke(handler, text);
  const seconds = await medianSeconds(params.warmup, params.reps, () => invoke(handler, text));
  const records = (JSON.parse(response) as Records).records;
  const count = (result: string) => records.filter((r) => r.result === result).length;
  return {
    medianSeconds: seconds,
    responseBytes: Buffer.byteLength(response),
    records: records.length,
    ok: count('Ok'),
    dropped: count('Dropped'),
    processingFailed: count('ProcessingFailed'),
    outputBytes: records.reduce(
      (sum, r) => sum + (r.result === 'Ok' ? Buffer.from(r.data ?? '', 'base64').byteLength : 0),
      0,
    ),
  };
}

async function peakRss(params: { bundle: string; eventFile: string }) {
  const handler = load(params.bundle);
  const response = await invoke(handler, readFileSync(params.eventFile, 'utf8'));
  return { maxRssMB: process.resourceUsage().maxRSS / 1024, responseBytes: Buffer.byteLength(response) };
}

async function importTime(params: { bundle: string }) {
  const started = performance.now();
  load(params.bundle);
  return { importMs: performance.now() - started };
}

async function forward(params: { bundle: string; eventFile: string }) {
  const response = await invoke(load(params.bundle), readFileSync(params.eventFile, 'utf8'));
  return { failures: (JSON.parse(response) as { batchItemFailures: unknown[] }).batchItemFailures.length };
}

const tasks: Record<string, (params: never) => Promise<unknown>> = {
  transform,
  peakRss,
  importTime,
  forward,
};

async function main() {
  const [task, params, outFile] = process.argv.slice(2) as [string, string, string];
  const run = tasks[task];
  if (!run) throw new Error(`unknown bench task ${task}`);
  writeFileSync(outFile, JSON.stringify(await run(JSON.parse(params) as never)));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
