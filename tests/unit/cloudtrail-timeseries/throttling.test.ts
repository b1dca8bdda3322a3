import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from '../../support/fixtures';
import { kmsEvents, pagesOf } from './trail-events';

/**
 * A loopback CloudTrail (JSON 1.1 protocol) that throttles the first LookupEvents call, as
 * CloudTrail does past 2 requests a second, then serves pages.
 */
async function startCloudTrail(pages: ReturnType<typeof pagesOf>) {
  const requests: { NextToken?: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { NextToken?: string };
      requests.push(body);
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (requests.length === 1) {
        response.writeHead(400);
        response.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const page = pages[body.NextToken ? Number(body.NextToken.slice(6)) / 50 : 0];
      response.writeHead(200);
      response.end(
        JSON.stringify({
          Events: page?.Events.map((e) => ({ ...e, EventTime: (e.EventTime as Date).getTime() / 1000 })),
          NextToken: page?.NextToken,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/**
 * The handler, bundled from source as `sam build` would, in a fresh Node process with real
 * timers (the SDK's adaptive retry paces itself by the clock). Its S3 writes are kept in
 * memory and reported with its result and what it printed.
 */
function runHandlerProcess(env: Record<string, string>, event: unknown) {
  // Inside the repository, so the bundle resolves the SDK from node_modules as Lambda does from the runtime.
  mkdirSync(join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
  const work = mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', 'loglake-throttling-'));
  const bundle = join(work, 'index.js');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'functions', 'cloudtrail-timeseries', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    external: ['@aws-sdk/*'],
    outfile: bundle,
    logLevel: 'error',
  });
  const script = `
    const s3 = require('@aws-sdk/client-s3');
    const puts = [];
    s3.S3Client.prototype.send = async function (command) { puts.push(command.input.Key); return {}; };
    const printed = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk) => { printed.push(String(chunk)); return true; };
    const { handler } = require(${JSON.stringify(bundle)});
    const context = { functionName: 'f', awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
      memoryLimitInMB: '256', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 600000 };
    handler(${JSON.stringify(event)}, context).then(
      (result) => require('fs').writeFileSync(${JSON.stringify(join(work, 'out.json'))}, JSON.stringify({ result, puts, printed })),
      (error) => { write(String(error.stack)); process.exit(1); });
  `;
  return new Promise<{ result: { events: number }; puts: string[]; printed: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c;
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')))
        : reject(new Error(output)),
    );
  });
}

describe('cloudtrail timeseries under throttling', () => {
  let cloudtrail: Awaited<ReturnType<typeof startCloudTrail>> | undefined;
  afterEach(() => cloudtrail?.server.close());

  it('retries a throttled LookupEvents call instead of losing the hour, and meters it at the hour', async () => {
    // A recent hour, so CloudWatch would still accept its metrics.
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
    cloudtrail = await startCloudTrail(pagesOf(kmsEvents(hour.toISOString(), 120)));

    const run = await runHandlerProcess(
      {
        AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
        TIMESERIES_BUCKET: 'loglake-test-raw',
        DEFAULT_SERVICE: 'kms',
        TOP_EVENT_NAMES: '2',
        POWERTOOLS_SERVICE_NAME: 'loglake',
        POWERTOOLS_METRICS_NAMESPACE: 'LogLake',
      },
      { hour: hour.toISOString() },
    );

    expect(run.result.events).toBe(120);
    expect(cloudtrail.requests.map((r) => r.NextToken ?? 'first')).toEqual([
      'first',
      'first',
      'token-50',
      'token-100',
    ]);
    expect(run.puts).toHaveLength(2);
    const emf = run.printed
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"Calls"'))
      .map((line) => JSON.parse(line));
    expect(emf.map((m) => [m.EventName ?? 'total', m.Calls])).toEqual([
      ['total', 120],
      ['Decrypt', 52],
      ['DescribeKey', 17],
      ['other', 51],
    ]);
    expect(
      emf.every(
        (m) => m._aws.Timestamp === hour.getTime() && m.Service === 'kms' && m.Pipeline === 'cloudtrail',
      ),
    ).toBe(true);
  }, 30_000);
});
