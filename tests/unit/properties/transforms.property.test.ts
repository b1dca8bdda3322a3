import { gzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { FirehoseTransformationResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { allAccepted, firehoseEvent } from '../../../offline/firehose-events';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';

// A fixed seed keeps CI reproducible; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122) });

// Both transforms, with the environment template.yaml gives them, read at cold start.
Object.assign(process.env, functionEnvironment('ClickstreamTransformFunction'));
const clickstream = (
  require('../../../functions/clickstream-transform/index') as typeof import('../../../functions/clickstream-transform/index')
).handler;
Object.assign(process.env, functionEnvironment('CloudWatchLogsTransformFunction'));
const cloudWatchLogs = (
  require('../../../functions/cloudwatch-logs-transform/index') as typeof import('../../../functions/cloudwatch-logs-transform/index')
).handler;

const firehose = mockClient(FirehoseClient);
beforeEach(() => firehose.reset().on(PutRecordBatchCommand).callsFake(allAccepted));

type Transform = (event: unknown, context: unknown) => Promise<unknown>;

/** The contract Firehose relies on, for any input: one result per record, in order, nothing lost. */
async function holdsContract(transform: Transform, name: string, payloads: Uint8Array[]) {
  const event = firehoseEvent(name, payloads);
  const response = (await transform(event, lambdaContext(name))) as FirehoseTransformationResult;
  expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
  for (const [i, result] of response.records.entries()) {
    expect(['Ok', 'Dropped', 'ProcessingFailed']).toContain(result.result);
    // A rejected record keeps its original bytes, for the error prefix and a replay.
    if (result.result === 'ProcessingFailed') expect(result.data).toBe(event.records[i]?.data);
  }
}

const accessLine = fc
  .record({
    ip: fc.ipV4(),
    day: fc.integer({ min: 1, max: 28 }),
    verb: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'),
    path: fc.webPath(),
    status: fc.integer({ min: 100, max: 599 }),
    bytes: fc.oneof(fc.nat(), fc.constant('-')),
    user: fc.option(fc.stringMatching(/^[a-z]{1,12}$/)),
  })
  .map(
    (l) =>
      `${l.ip} - - [${String(l.day).padStart(2, '0')}/Nov/2026:13:05:09 +0000] "${l.verb} ${l.path || '/'} HTTP/1.1" ${l.status} ${l.bytes}${l.user ? ` "-" "agent" "user = ${l.user}"` : ''}`,
  );

describe('transform properties', () => {
  it('clickstream: for any bytes, one result per record with its recordId, rejects keeping their data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        (payloads) => holdsContract(clickstream as Transform, 'loglake-test-clickstream', payloads),
      ),
      { numRuns: 150 },
    );
  });

  it('clickstream: any mix of well-formed and broken lines keeps the contract, and well-formed lines are Ok', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(accessLine, fc.string({ maxLength: 80 }), fc.constant('')), {
          minLength: 1,
          maxLength: 30,
        }),
        async (lines) => {
          const payloads = lines.map((line) => Buffer.from(`${line}\n`));
          await holdsContract(clickstream as Transform, 'loglake-test-clickstream', payloads);
        },
      ),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(accessLine, { minLength: 1, maxLength: 10 }), async (lines) => {
        const event = firehoseEvent(
          'loglake-test-clickstream',
          lines.map((l) => Buffer.from(`${l}\n`)),
        );
        const response = (await (clickstream as Transform)(
          event,
          lambdaContext('x'),
        )) as FirehoseTransformationResult;
        expect(response.records.every((r) => r.result === 'Ok')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('CloudWatch Logs: for any bytes, gzip or not, one result per record with its recordId, rejects keeping their data', async () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array(gzipSync(b))),
      fc.jsonValue().map((v) => new Uint8Array(gzipSync(JSON.stringify(v)))),
      fc
        .record({
          messageType: fc.constantFrom('DATA_MESSAGE', 'CONTROL_MESSAGE', 'OTHER'),
          logGroup: fc.string({ maxLength: 40 }),
          logStream: fc.string({ maxLength: 40 }),
          logEvents: fc.array(
            fc.record({ id: fc.string(), timestamp: fc.oneof(fc.nat(), fc.string()), message: fc.string() }),
            { maxLength: 5 },
          ),
        })
        .map((m) => new Uint8Array(gzipSync(JSON.stringify(m)))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 10 }), (payloads) =>
        holdsContract(cloudWatchLogs as Transform, 'loglake-test-cloudwatch-logs', payloads),
      ),
      { numRuns: 150 },
    );
  });
});
