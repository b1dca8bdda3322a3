// Child-process entry (see lambda-process.ts): invokes a built handler once, as the Lambda
// runtime would, and writes what happened to a JSON file.
// Arguments: BUNDLE EVENT_FILE OUT_FILE [--fake-s3 [--source-mib=N]]
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { lambdaContext } from './lambda-context';

const [bundle, eventFile, outFile, ...flags] = process.argv.slice(2) as [string, string, string, ...string[]];

const s3Puts: string[] = [];
const parts: number[] = [];
let peakBytes = 0;
const sourceMiB = Number(flags.find((f) => f.startsWith('--source-mib='))?.split('=')[1] ?? 0);

/** Heap and Buffer memory the process holds (collected first, so garbage does not count). */
function heldBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

/** An audit-log export of `mib` MiB, generated as it is read; memory is sampled meanwhile. */
function generatedExport(mib: number): Readable {
  const header = 'event_id,event_time,event_date,user_name,action,resource,source_ip,status\n';
  const row =
    'e0000000,2026-11-22T13:05:09Z,2026-11-22,alice@example.com,export,"/reports/q3, final.xlsx",203.0.113.10,SUCCESS\n';
  const rows = Math.ceil((mib * 1024 * 1024) / row.length);
  const baseline = heldBytes();
  let sent = 0;
  let reads = 0;
  return new Readable({
    read() {
      if (++reads % 50 === 0) peakBytes = Math.max(peakBytes, heldBytes() - baseline);
      const batch = Math.min(800, rows - sent);
      if (batch === 0) return this.push(null);
      this.push(sent === 0 ? header + row.repeat(batch) : row.repeat(batch));
      sent += batch;
    },
  });
}

if (flags.includes('--fake-s3')) {
  // S3 answered in memory: the object keys written are reported instead.
  type Command = { constructor: { name: string }; input: { Key?: string; Body?: { byteLength?: number } } };
  const s3 = require('@aws-sdk/client-s3') as { S3Client: { prototype: { send: unknown } } };
  s3.S3Client.prototype.send = async (command: Command) => {
    switch (command.constructor.name) {
      case 'ListObjectsV2Command':
        return { Contents: [{ Key: 'exports/generated.csv' }] };
      case 'GetObjectCommand':
        return { Body: generatedExport(sourceMiB) };
      case 'CreateMultipartUploadCommand':
        return { UploadId: 'generated-upload' };
      case 'UploadPartCommand':
        parts.push(Number(command.input.Body?.byteLength));
        return { ETag: `"part-${parts.length}"` };
      case 'CompleteMultipartUploadCommand':
        s3Puts.push(String(command.input.Key));
        return {};
      default:
        s3Puts.push(String(command.input.Key));
        return {};
    }
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
  (result) => writeFileSync(outFile, JSON.stringify({ result, s3Puts, printed, parts, peakBytes })),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
