import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openSearchHttp } from '../../offline/opensearch-client';
import { type OpenSearchNode, startOpenSearchNode } from '../../offline/opensearch-node';
import { INDEX_TEMPLATE_NAME, indexTemplateRequest, install } from '../../tools/dashboards/install';
import { LocalFirehose } from '../../tools/local/firehose';
import { loadHandler } from '../../tools/local/handlers';
import { LocalObjectStore } from '../../tools/local/object-store';
import { clickstreamSample, expectedDashboard } from '../../tools/local/samples';
import { installLocalAws } from '../../tools/local/sdk-patches';
import { plainHttp, type SearchResult, searchPipeline } from '../../tools/local/search';
import { names } from '../../tools/local/services';

/**
 * The search sink on a real OpenSearch node: the sample goes through the real transform into
 * the local raw zone, the real forwarder sends each object to the search stream, the stream
 * indexes as Firehose does, and every visualization of dashboards/clickstream.ndjson runs its
 * own search; each number must equal what the sample says it should be.
 */
const END = new Date('2026-11-22T14:00:00Z');
const HOURS = 3;
const sample = clickstreamSample(1500, END, HOURS);

let node: OpenSearchNode;
let storeRoot: string;
let store: LocalObjectStore;
let firehose: LocalFirehose;
let restore: () => void;
let result: SearchResult;

beforeAll(async () => {
  node = await startOpenSearchNode();
  storeRoot = mkdtempSync(join(tmpdir(), 'loglake-search-'));
  store = new LocalObjectStore(storeRoot);
  firehose = new LocalFirehose(store, loadHandler);
  restore = installLocalAws({
    store,
    putRecords: (stream, records) => firehose.putRecords(stream, records),
    trailEvents: [],
  });
  for (let i = 0; i < sample.length; i += 500)
    await firehose.deliver(
      'ClickstreamDeliveryStream',
      sample.slice(i, i + 500).map((r) => Buffer.from(`${r.line}\n`)),
      END,
    );
  result = await searchPipeline(store, firehose, node, {
    from: new Date(END.getTime() - HOURS * 3_600_000).toISOString(),
    to: END.toISOString(),
  });
}, 300_000);

afterAll(async () => {
  restore?.();
  await node?.stop();
  if (storeRoot) rmSync(storeRoot, { recursive: true, force: true });
}, 60_000);

describe('the clickstream dashboards on a real OpenSearch node', () => {
  const expected = expectedDashboard(sample);

  it('indexes every line the transform accepted, once, and backs up none', () => {
    const accepted = firehose.countsOf('ClickstreamDeliveryStream').ok;
    expect(accepted).toBe(sample.filter((r) => r.parsed).length);
    expect(result.documentsIndexed).toBe(accepted);
    expect(result.documentsBackedUp).toBe(0);
  });

  it.each(Object.keys(expected))('%s shows what the sample says', (id) => {
    const shown = result.visualizations.find((v) => v.id === id);
    expect(shown?.rows).toEqual(expected[id]);
  });

  it('has a check for every visualization in the saved objects', () => {
    expect(result.visualizations.map((v) => v.id).sort()).toEqual(Object.keys(expected).sort());
  });
});

describe('the index template', () => {
  const http = () => openSearchHttp(node.url);

  it('maps the client as ip, time as date, keywords and numbers as such', async () => {
    const mapping = await http().request<
      Record<string, { mappings: { properties: Record<string, { type: string }> } }>
    >('GET', '/clickstream/_mapping');
    const types = Object.fromEntries(
      Object.entries(mapping.clickstream?.mappings.properties ?? {}).map(([field, m]) => [field, m.type]),
    );
    expect(types).toMatchObject({
      host: 'ip',
      '@timestamp': 'date',
      verb: 'keyword',
      path: 'keyword',
      username: 'keyword',
      response: 'short',
      bytes: 'long',
    });
  });

  it('is installed again by a re-run of make dashboards without change', async () => {
    const before = await http().request('GET', `/_index_template/${INDEX_TEMPLATE_NAME}`);
    await expect(install(plainHttp(node.url), [indexTemplateRequest()])).resolves.toEqual([
      `index template ${INDEX_TEMPLATE_NAME}: acknowledged`,
    ]);
    expect(await http().request('GET', `/_index_template/${INDEX_TEMPLATE_NAME}`)).toEqual(before);
  });

  it('keeps a document whose client is a hostname (Apache with HostnameLookups), without an ip', async () => {
    const [answer] = (await firehose.searchSink?.('clickstream', [
      Buffer.from(
        JSON.stringify({ host: 'crawler.example.net', '@timestamp': '2026-11-22T13:00:00Z', response: 200 }),
      ),
    ])) ?? [null];
    expect(answer).toBeUndefined();
  });
});

describe('the local search stream', () => {
  it('sends one bulk request per buffer, as the destination buffers (5 MiB)', async () => {
    const before = firehose.countsOf('SearchDeliveryStream').invocations;
    const big = (n: number) =>
      Buffer.from(
        JSON.stringify({
          '@timestamp': '2026-11-22T13:00:00Z',
          response: 200,
          note: `${n}`.repeat(600 * 1024),
        }),
      );

    await firehose.deliver(
      'SearchDeliveryStream',
      Array.from({ length: 11 }, (_, n) => big(n % 10)),
      END,
    );

    // 11 documents of 600 KiB: 8 fill the first 5 MiB buffer, 3 the next.
    expect(firehose.countsOf('SearchDeliveryStream').invocations - before).toBe(2);
  });
});

describe('documents the index rejects', () => {
  it('are backed up under search-failed/ with the reason and their original bytes', async () => {
    const bad = Buffer.from(
      JSON.stringify({ '@timestamp': '2026-11-22T13:00:00Z', response: 'not a status' }),
    );
    const before = store.list(names.rawBucket, 'search-failed/').length;

    await firehose.deliver('SearchDeliveryStream', [bad], END);

    const backups = store.list(names.rawBucket, 'search-failed/');
    expect(backups).toHaveLength(before + 1);
    const newest = backups.find((o) => o.key.includes('AmazonOpenSearchService_failed/')) as { key: string };
    const line = JSON.parse(gunzipSync(store.get(names.rawBucket, newest.key)).toString('utf8').trim());
    expect(line).toMatchObject({ errorCode: '400', osIndexName: 'clickstream' });
    expect(line.errorMessage).toMatch(/mapper_parsing_exception.*response/);
    expect(Buffer.from(line.rawData, 'base64')).toEqual(bad);
  });
});
