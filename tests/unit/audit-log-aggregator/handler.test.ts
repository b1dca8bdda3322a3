import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { loadEvent } from '../../../offline/fixtures';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';
import { bundleFromSource, invokeBundle } from '../../../offline/lambda-process';

// The handler reads the variables template.yaml gives it at cold start, i.e. when required.
Object.assign(process.env, functionEnvironment('AuditLogAggregatorFunction'));
const { handler } =
  require('../../../functions/audit-log-aggregator/index') as typeof import('../../../functions/audit-log-aggregator/index');

const BUCKET = 'loglake-test-auditbucket';
const { files } = loadEvent<{ files: Record<string, string> }>('audit-log-aggregator', 'source-files');
const s3 = mockClient(S3Client);
const invoke = (event: unknown) =>
  handler(event, lambdaContext('AuditLogAggregatorFunction')) as Promise<Record<string, unknown>>;
const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

/** Serves the fixture's source files as S3 objects (listing by prefix, reading as a stream). */
function serveSources(sources: Record<string, string>) {
  s3.on(ListObjectsV2Command).callsFake(({ Bucket, Prefix }) => ({
    Contents: Object.keys(sources)
      .filter((uri) => uri.startsWith(`s3://${Bucket}/${Prefix ?? ''}`))
      .map((uri) => ({ Key: uri.slice(`s3://${Bucket}/`.length) })),
    KeyCount: 1,
  }));
  s3.on(GetObjectCommand).callsFake(({ Bucket, Key }) => {
    const text = sources[`s3://${Bucket}/${Key}`];
    if (text === undefined)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: Readable.from([Buffer.from(text)]) };
  });
}

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"' });
});

describe('audit-log aggregator handler', () => {
  it('copies a manual batch into the audit bucket and writes the token after everything else', async () => {
    serveSources(files);

    const result = await invoke(loadEvent('audit-log-aggregator', 'manual-batch'));

    const keys = puts().map((p) => p.Key);
    expect(keys.slice(-2)).toEqual(['manifests/2026-11-22T1300.json', 'complete/2026-11-22T1300.token']);
    expect(keys).toHaveLength(6);
    expect(puts().every((p) => p.Bucket === BUCKET)).toBe(true);
    const acme = puts().find((p) => p.Key === 'csv/customer=acme/batch=2026-11-22T1300/audit-000.csv');
    expect(acme?.ContentType).toBe('text/csv; charset=utf-8');
    expect(Buffer.from(acme?.Body as Uint8Array).toString()).toMatch(
      /^customer,event_id,.*\r\nacme,7f1c2e90-0001,/,
    );
    expect(result).toMatchObject({
      batchId: '2026-11-22T1300',
      bucket: BUCKET,
      tokenKey: 'complete/2026-11-22T1300.token',
      manifestKey: 'manifests/2026-11-22T1300.json',
      files: 4,
      rows: 6,
    });
    const token = JSON.parse(String(puts().at(-1)?.Body));
    expect(token).toMatchObject({
      batchId: '2026-11-22T1300',
      bucket: BUCKET,
      rows: 6,
      digest: result.digest,
    });
  });

  it('names the batch of a scheduled run after the scheduled hour', async () => {
    serveSources({
      's3://wau-acme-audit/exports/2026-11-22/audit-000.csv': files[
        's3://wau-acme-audit/exports/2026-11-22/audit-000.csv'
      ] as string,
      's3://wau-globex-audit/2026/11/22/audit.csv': files[
        's3://wau-globex-audit/2026/11/22/audit.csv'
      ] as string,
    });

    const result = await invoke(loadEvent('audit-log-aggregator', 'scheduled'));

    expect(result).toMatchObject({ batchId: '2026-11-22T1300', files: 2, rows: 6 });
    expect(puts().at(-1)?.Key).toBe('complete/2026-11-22T1300.token');
  });

  it('fails a batch with a malformed file by name, and writes no manifest and no token', async () => {
    serveSources(files);
    const uri = 's3://wau-hooli-audit/2026-11-22/ragged.csv';

    await expect(invoke({ batchId: 'b-1', sources: [{ customer: 'hooli', uri }] })).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: expect.stringContaining(`customer hooli: ${uri}: row 3`),
    });
    expect(puts().filter((p) => !String(p.Key).startsWith('csv/'))).toEqual([]);
  });

  it('fails a batch whose source cannot be read, naming the customer and the key', async () => {
    serveSources(files);

    await expect(
      invoke({
        batchId: 'b-1',
        sources: [{ customer: 'acme', uri: 's3://wau-acme-audit/exports/missing.csv' }],
      }),
    ).rejects.toMatchObject({
      name: 'SourceCopyError',
      message:
        'customer acme: copying s3://wau-acme-audit/exports/missing.csv failed: NoSuchKey: The specified key does not exist.',
    });
    expect(puts()).toEqual([]);
  });

  it('rejects a request it cannot run with a clear error', async () => {
    await expect(invoke({ batchId: '../etc', sources: [] })).rejects.toMatchObject({
      name: 'AggregationRequestError',
      message: expect.stringContaining('batchId "../etc"'),
    });
  });

  it('keeps memory flat copying a 50 MB file: multipart parts stream through, nothing buffers the file', async () => {
    // A fresh process (jest's registry keeps Buffers alive), the handler bundled as sam build
    // does, S3 answered in memory with a generated 50 MiB export.
    const run = await invokeBundle({
      bundle: bundleFromSource('audit-log-aggregator/index.ts', ['@aws-sdk/client-*']),
      event: { batchId: 'big', sources: [{ customer: 'acme', uri: 's3://wau-acme-audit/exports/' }] },
      env: functionEnvironment('AuditLogAggregatorFunction'),
      fakeS3: true,
      fakeS3SourceMiB: 50,
    });

    const result = run.result as { bytes: number; rows: number };
    const copied = run.parts.reduce((a, b) => a + b, 0);
    expect(copied).toBe(result.bytes);
    expect(copied).toBeGreaterThan(50 * 1024 * 1024);
    expect(run.parts.slice(0, -1).every((size) => size === 8 * 1024 * 1024)).toBe(true);
    expect(run.s3Puts).toEqual([
      'csv/customer=acme/batch=big/generated.csv',
      'manifests/big.json',
      'complete/big.token',
    ]);
    // Buffering the file would hold > 50 MiB (twice that with its copy); streaming holds the
    // parts in flight (2 × 8 MiB, each gathered from chunks) and the chunk being read.
    expect(run.peakBytes).toBeGreaterThan(0);
    expect(run.peakBytes).toBeLessThan(40 * 1024 * 1024);
  }, 120_000);
});
