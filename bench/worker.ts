// Runs one measurement in a fresh process (bench/main.ts spawns it) and writes its result,
// as JSON, to the file named last on the command line. The handlers measured are the
// bundles `sam build` produced: what Lambda runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { lambdaContext } from '../offline/lambda-context';
import { clickstreamFloor, cloudWatchLogsFloor, floorPlan } from './floor';
import { median } from './stats';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const context = lambdaContext('loglake-bench');

/** One invocation as the Lambda runtime does it: parse the event text, call, serialise. */
async function invoke(handler: Handler, eventText: string): Promise<string> {
  return JSON.stringify(await handler(JSON.parse(eventText), context));
}

const load = (bundle: string) => (require(bundle) as { handler: Handler }).handler;

const FLOORS = { clickstream: clickstreamFloor, cloudwatchLogs: cloudWatchLogsFloor } as const;

/**
 * The transform and its floor in alternating rounds of one process, so both see the same
 * machine load; bytes count only records that were transformed (not those re-ingested).
 */
async function compare(params: {
  bundle: string;
  eventFile: string;
  floor: keyof typeof FLOORS;
  warmup: number;
  reps: number;
}) {
  const handler = load(params.bundle);
  const floor = FLOORS[params.floor];
  const text = readFileSync(params.eventFile, 'utf8');
  const response = await invoke(handler, text);
  const plan = floorPlan(response);
  const inputs = (JSON.parse(text) as { records: { data: string }[] }).records;
  let transformedRawBytes = 0;
  let reingestedRawBytes = 0;
  let reingested = 0;
  plan.results.forEach((answer, index) => {
    const bytes = Buffer.byteLength(inputs[index]?.data ?? '', 'base64');
    if (answer.result === 'Dropped') {
      reingested++;
      reingestedRawBytes += bytes;
    } else transformedRawBytes += bytes;
  });
  const ours: number[] = [];
  const floors: number[] = [];
  for (let round = 0; round < params.warmup + params.reps; round++) {
    let started = performance.now();
    await invoke(handler, text);
    const oursSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    floor(text, plan);
    const floorSeconds = (performance.now() - started) / 1000;
    if (round >= params.warmup) {
      ours.push(oursSeconds);
      floors.push(floorSeconds);
    }
  }
  return {
    medianSeconds: median(ours),
    floorSeconds: median(floors),
    records: plan.results.length,
    responseBytes: Buffer.byteLength(response),
    outputBytes: plan.results.reduce((sum, r) => sum + (r.result === 'Ok' ? r.dataBytes : 0), 0),
    transformedRawBytes,
    reingested,
    reingestedRawBytes,
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
  compare,
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
