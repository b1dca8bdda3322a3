import {
  aggregateBatch,
  SourceCopyError,
  SourceMissingError,
} from '../../../functions/audit-log-aggregator/aggregate';
import { parseAggregationRequest } from '../../../functions/audit-log-aggregator/request';
import { loadEvent } from '../../../offline/fixtures';
import { MemoryStore } from '../../support/memory-store';

const { files } = loadEvent<{ files: Record<string, string> }>('audit-log-aggregator', 'source-files');
const BUCKET = 'loglake-test-audit';
const request = loadEvent<Record<string, unknown>>('audit-log-aggregator', 'manual-batch');

async function aggregate(input: unknown = request, store = new MemoryStore(files)) {
  const result = await aggregateBatch(parseAggregationRequest(input), store, {
    bucket: BUCKET,
    concurrency: 2,
  });
  return { result, store };
}

describe('audit-log batch aggregation', () => {
  it('copies every customer file with the customer column, then the manifest, then the token last', async () => {
    const { result, store } = await aggregate();

    expect(store.writeOrder.slice(-2)).toEqual([
      'manifests/2026-11-22T1300.json',
      'complete/2026-11-22T1300.token',
    ]);
    expect(store.writeOrder.slice(0, -2).sort()).toEqual([
      'csv/customer=acme/batch=2026-11-22T1300/audit-000.csv',
      'csv/customer=globex/batch=2026-11-22T1300/2026_11_22_audit.csv',
      'csv/customer=initech/batch=2026-11-22T1300/header-only.csv',
      'csv/customer=umbrella/batch=2026-11-22T1300/empty.csv',
    ]);
    const globex = store.written.get('csv/customer=globex/batch=2026-11-22T1300/2026_11_22_audit.csv');
    expect(globex?.split('\n')[0]).toBe(
      'customer,event_id,event_time,event_date,user_name,action,resource,source_ip,status',
    );
    expect(globex?.split('\n')[1]).toMatch(/^globex,c0ffee00-0001,/);
    expect(store.written.get('csv/customer=initech/batch=2026-11-22T1300/header-only.csv')).toBe(
      'customer,event_id,event_time,event_date,user_name,action,resource,source_ip,status\n',
    );
    expect(store.written.get('csv/customer=umbrella/batch=2026-11-22T1300/empty.csv')).toBe('');
    expect(result.manifest.customers).toEqual({
      acme: { files: 1, rows: 4, bytes: expect.any(Number) },
      globex: { files: 1, rows: 2, bytes: expect.any(Number) },
      initech: { files: 1, rows: 0, bytes: 83 },
      umbrella: { files: 1, rows: 0, bytes: 0 },
    });
    expect(result.manifest.totals.rows).toBe(6);
    const sizes = [...store.written]
      .filter(([key]) => key.startsWith('csv/'))
      .map(([, text]) => Buffer.byteLength(text));
    expect(result.manifest.totals.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(JSON.parse(store.written.get('complete/2026-11-22T1300.token') ?? '')).toEqual({
      batchId: '2026-11-22T1300',
      bucket: BUCKET,
      manifestKey: 'manifests/2026-11-22T1300.json',
      files: 4,
      rows: 6,
      bytes: result.manifest.totals.bytes,
      digest: result.manifest.digest,
    });
  });

  it('rewrites the same keys with the same bytes when the batch is run again, so the token ETag is unchanged', async () => {
    const first = await aggregate();
    const second = await aggregate();

    expect(second.store.written).toEqual(first.store.written);
    expect(second.result.manifest.digest).toBe(first.result.manifest.digest);
  });

  it('changes the token when a source changes, so the changed batch is processed again', async () => {
    const first = await aggregate();
    const changed = { ...files };
    changed['s3://wau-globex-audit/2026/11/22/audit.csv'] +=
      'c0ffee00-0003,2026-11-22T13:20:00Z,2026-11-22,ops@globex.example,logout,/console,192.0.2.44,SUCCESS\n';

    const second = await aggregate(request, new MemoryStore(changed));

    expect(second.result.manifest.digest).not.toBe(first.result.manifest.digest);
    expect(second.store.written.get('complete/2026-11-22T1300.token')).not.toBe(
      first.store.written.get('complete/2026-11-22T1300.token'),
    );
  });

  it('lands exports as people make them: a byte-order mark, their own customer column, bare-CR lines', async () => {
    const people = loadEvent<Record<string, unknown>>('audit-log-aggregator', 'exports-as-people-make-them');
    // The Glue job's tests read these same copies with Spark (glue/tests).
    const expected = loadEvent<{ files: Record<string, string> }>(
      'audit-log-aggregator',
      'aggregated-copies',
    );

    const { result, store } = await aggregate(people);

    expect(Object.fromEntries([...store.written].filter(([key]) => key.startsWith('csv/')))).toEqual(
      expected.files,
    );
    const stark = expected.files['csv/customer=stark/batch=2026-11-22T1400/excel-utf8.csv'] as string;
    expect(stark.startsWith('customer,event_id,')).toBe(true);
    expect(stark.split('\r\n')[0]?.endsWith(',status,source_customer')).toBe(true);
    expect(result.manifest.customers).toMatchObject({
      acme: { files: 1, rows: 4 },
      stark: { files: 1, rows: 2 },
      wayne: { files: 1, rows: 2 },
    });
  });

  it.each([
    [
      'an unterminated quote',
      's3://wau-hooli-audit/2026-11-22/unterminated-quote.csv',
      /^customer hooli: s3:\/\/wau-hooli-audit\/2026-11-22\/unterminated-quote.csv: row \d+: a quoted field is never closed$/,
    ],
    [
      'a ragged row',
      's3://wau-hooli-audit/2026-11-22/ragged.csv',
      /^customer hooli: s3:\/\/wau-hooli-audit\/2026-11-22\/ragged.csv: row 3: \d+ fields where the header has 8$/,
    ],
  ])(
    'stops the batch before the token on %s, naming the customer and the file',
    async (_case, uri, message) => {
      const store = new MemoryStore(files);
      const input = {
        batchId: 'b-1',
        sources: [
          { customer: 'acme', uri: 's3://wau-acme-audit/exports/2026-11-22/' },
          { customer: 'hooli', uri },
        ],
      };

      await expect(aggregate(input, store)).rejects.toMatchObject({
        name: 'MalformedCsvError',
        message: expect.stringMatching(message),
      });

      expect(store.writeOrder.filter((key) => !key.startsWith('csv/customer=acme/'))).toEqual([]);
    },
  );

  it('stops the batch before the token when a source cannot be read, naming the customer and the key', async () => {
    const store = new MemoryStore(files);
    store.failReads.set(
      's3://wau-globex-audit/2026/11/22/audit.csv',
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );

    const failure = aggregate(request, store);

    await expect(failure).rejects.toThrow(SourceCopyError);
    await expect(failure).rejects.toThrow(
      'customer globex: copying s3://wau-globex-audit/2026/11/22/audit.csv failed: AccessDenied: Access Denied',
    );
    expect(store.writeOrder.some((key) => key.startsWith('complete/') || key.startsWith('manifests/'))).toBe(
      false,
    );
  });

  it('refuses a source prefix that holds no objects: a missing export is not an empty one', async () => {
    const input = {
      batchId: 'b-1',
      sources: [{ customer: 'acme', uri: 's3://wau-acme-audit/exports/2026-11-23/' }],
    };

    await expect(aggregate(input)).rejects.toThrow(
      new SourceMissingError('customer acme: no objects under s3://wau-acme-audit/exports/2026-11-23/'),
    );
  });

  it('refuses two sources that would be copied to one key', async () => {
    const uri = 's3://wau-acme-audit/exports/2026-11-22/audit-000.csv';
    const input = {
      batchId: 'b-1',
      sources: [
        { customer: 'acme', uri },
        { customer: 'acme', uri },
      ],
    };

    await expect(aggregate(input)).rejects.toMatchObject({ name: 'TargetCollisionError' });
  });
});
