import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleFromSource, invokeBundle } from '../../../offline/lambda-process';
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

describe('cloudtrail timeseries under throttling', () => {
  let cloudtrail: Awaited<ReturnType<typeof startCloudTrail>> | undefined;
  afterEach(() => cloudtrail?.server.close());

  it('retries a throttled LookupEvents call instead of losing the hour, and meters it at the hour', async () => {
    // A recent hour, so CloudWatch would still accept its metrics.
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
    cloudtrail = await startCloudTrail(pagesOf(kmsEvents(hour.toISOString(), 120)));

    // The SDK's adaptive retry paces itself by the clock: it runs in a fresh process with real
    // timers, talking to the loopback CloudTrail; S3 is answered in memory.
    const run = (await invokeBundle({
      bundle: bundleFromSource('cloudtrail-timeseries/index.ts'),
      event: { hour: hour.toISOString() },
      env: {
        AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
        TIMESERIES_BUCKET: 'loglake-test-raw',
        DEFAULT_SERVICE: 'kms',
        TOP_EVENT_NAMES: '2',
        PIPELINE: 'cloudtrail',
      },
      fakeS3: true,
    })) as { result: { events: number }; s3Puts: string[]; printed: string[] };

    expect(run.result.events).toBe(120);
    expect(cloudtrail.requests.map((r) => r.NextToken ?? 'first')).toEqual([
      'first',
      'first',
      'token-50',
      'token-100',
    ]);
    expect(run.s3Puts).toHaveLength(2);
    const emf = run.printed.filter((line) => line.includes('"Calls"')).map((line) => JSON.parse(line));
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
