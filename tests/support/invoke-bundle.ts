// Child-process entry (see lambda-process.ts): invokes a built handler once, as the Lambda
// runtime would, and writes what happened to a JSON file.
// Arguments: BUNDLE EVENT_FILE OUT_FILE [--fake-s3]
import { readFileSync, writeFileSync } from 'node:fs';
import { lambdaContext } from './lambda-context';

const [bundle, eventFile, outFile, ...flags] = process.argv.slice(2) as [string, string, string, ...string[]];

const s3Puts: string[] = [];
if (flags.includes('--fake-s3')) {
  // S3 answered in memory: the object keys written are reported instead.
  const s3 = require('@aws-sdk/client-s3') as { S3Client: { prototype: { send: unknown } } };
  s3.S3Client.prototype.send = async (command: { input: { Key?: string } }) => {
    s3Puts.push(String(command.input.Key));
    return {};
  };
}
// What the function prints (logs, EMF metrics) is captured, as CloudWatch Logs would.
const printed: string[] = [];
process.stdout.write = ((chunk: string | Uint8Array) => {
  printed.push(...String(chunk).split('\n').filter(Boolean));
  return true;
}) as typeof process.stdout.write;

const { handler } = require(bundle) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
handler(JSON.parse(readFileSync(eventFile, 'utf8')), lambdaContext('bundle-under-test', 600_000)).then(
  (result) => writeFileSync(outFile, JSON.stringify({ result, s3Puts, printed })),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
