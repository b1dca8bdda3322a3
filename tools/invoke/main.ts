import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { eventTarget } from '../../offline/event-targets';
import { REPO_ROOT } from '../../offline/fixtures';

const HELP = `Runs a function's built bundle, or a state machine, on an event, on this machine.

  make invoke FN=<LogicalId> EVENT=<file>     (npm run invoke -- --function <LogicalId> --event <file>)
  make invoke SM=<LogicalId> EVENT=<file>     (npm run invoke -- --state-machine <LogicalId> --event <file>)
  make invoke EVENT=events/<name>/<case>.json (the function or workflow <name> is for)

The answer (a function's response, a workflow's output) is printed alone on standard output, as
JSON; logs, metrics and a digest go to standard error. Exits 1 when the handler throws or the
execution fails. AWS calls are answered locally: S3 from --s3-dir (default .aws-sam/invoke/s3;
e.g. demo-output/s3 after make demo), Firehose and API Gateway by recorders, CloudTrail by a
sample of events ending now, CloudFormation change sets by recorded ones; workflows also get local Spark, DuckDB and PGlite, as the demo does.`;

// Everything the handlers print is their log: standard error. Standard output is the answer's.
const answer = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array) =>
  process.stderr.write(chunk)) as typeof process.stdout.write;
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  // No X-Ray daemon here: the tracer would only warn.
  POWERTOOLS_TRACE_ENABLED: 'false',
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      function: { type: 'string' },
      'state-machine': { type: 'string' },
      event: { type: 'string' },
      's3-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.event || (values.function && values['state-machine'])) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  // Without FN or SM: what the event's folder is for (events/<function-or-workflow>/<case>.json).
  const inferred = values.function || values['state-machine'] ? undefined : eventTarget(values.event);
  if (inferred?.kind === 'function') values.function = inferred.logicalId;
  if (inferred?.kind === 'state-machine') values['state-machine'] = inferred.logicalId;
  const target = values.function ?? values['state-machine'];
  if (!target) {
    process.stderr.write(`${values.event}: its folder names no function or workflow; give FN= or SM=\n`);
    return 2;
  }
  const eventFile = resolve(values.event);
  const event = parseEvent(eventFile);
  const storeRoot = resolve(values['s3-dir'] ?? join(REPO_ROOT, '.aws-sam', 'invoke', 's3'));
  const err = (line: string) => process.stderr.write(`${line}\n`);

  if (values.function) {
    // Loaded here: the handlers' SDK clients are patched by the invocation.
    const { invokeFunction } = require('./function') as typeof import('./function');
    const run = await invokeFunction(values.function, event, { storeRoot });
    for (const line of run.digest) err(line);
    if ('error' in run.outcome) {
      err(
        `${values.function} threw on ${values.event}: ${run.outcome.error.name}: ${run.outcome.error.message}`,
      );
      return 1;
    }
    answer(`${JSON.stringify(run.outcome.result ?? null)}\n`);
    return 0;
  }
  const { invokeWorkflow } = require('./workflow') as typeof import('./workflow');
  const report = await invokeWorkflow(target, event, { storeRoot, write: err }).catch((error: Error) => {
    // A task whose service has no local stand-in (CloudFormation, for the key rotation).
    if (!error.message.startsWith('Unstubbed service calls')) throw error;
    err(`${target} on ${values.event} calls a service with no local stand-in here, so it cannot run offline`);
    err(`(${error.message.replace(/^[^:]*: /, '')}); run it on the deployed stack (make verify-aws).`);
    return undefined;
  });
  if (!report) return 1;
  if (report.status !== 'SUCCEEDED') {
    err(`${target} ${report.status} on ${values.event}: ${report.error}: ${report.cause}`);
    return 1;
  }
  answer(`${JSON.stringify(report.output ?? null)}\n`);
  return 0;
}

function parseEvent(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not a JSON event: ${(error as Error).message}`);
  }
}

main().then(
  // Once the answer is written out (a pipe may still hold it).
  (code) => answer('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`invoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
