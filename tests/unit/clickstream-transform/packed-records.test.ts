import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../../offline/fixtures';
import { functionHandler } from '../../../offline/harness';
import { fakeRef } from '../../../offline/substitutions';
import { loadTemplate } from '../../../offline/template';
import { LocalFirehose, MAX_SUB_RECORDS } from '../../../tools/local/firehose';
import { LocalObjectStore } from '../../../tools/local/object-store';
import { agentRecords } from '../../support/kinesis-agent';

/**
 * Packed records from a Kinesis-Agent-shaped producer, through the clickstream stream's real
 * processor chain (RecordDeAggregation on newlines, then the real transform and its partition
 * keys): each line lands on its own, in the hour of its own request time, even when one record
 * holds lines of several hours.
 */
const HOURS = ['13', '14', '15'];
const line = (i: number) => {
  const hour = HOURS[Math.floor(i / 200)] as string;
  const second = String(i % 60).padStart(2, '0');
  return `10.0.${i % 250}.7 - - [22/Nov/2026:${hour}:00:${second} +0000] "GET /page/${i}?ref=campaign-${i % 17} HTTP/1.1" 200 ${1000 + i} "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"`;
};

describe('packed clickstream records', () => {
  let root: string;
  let store: LocalObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'loglake-packed-'));
    store = new LocalObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('land line by line, partitioned by request time, from far fewer records than lines', async () => {
    const lines = Array.from({ length: 600 }, (_, i) => line(i));
    // 40 KiB per record: each is billed as its size, not as 5 KB per line.
    const records = agentRecords(lines, 40 * 1024);
    expect(records.length).toBeLessThan(lines.length / 50);
    const firehose = new LocalFirehose(store, async (id) => functionHandler(id));

    await firehose.putRecords(
      'ClickstreamDeliveryStream',
      records.map((Data) => ({ Data })),
    );

    expect(firehose.countsOf('ClickstreamDeliveryStream')).toMatchObject({
      recordsIn: records.length,
      ok: lines.length,
      processingFailed: 0,
    });
    const bucket = fakeRef(loadTemplate(), 'RawBucket');
    const landed = new Map<string, string[]>();
    for (const { key } of store.list(bucket)) {
      const hour = /^clickstream\/year=2026\/month=11\/day=22\/hour=(\d\d)\//.exec(key)?.[1];
      if (!hour) continue;
      const paths = gunzipSync(store.get(bucket, key))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((json) => (JSON.parse(json) as { path: string }).path);
      landed.set(hour, [...(landed.get(hour) ?? []), ...paths]);
    }
    expect([...landed.keys()].sort()).toEqual(HOURS);
    for (const [index, hour] of HOURS.entries())
      expect([hour, (landed.get(hour) ?? []).sort()]).toEqual([
        hour,
        Array.from(
          { length: 200 },
          (_, i) => `/page/${index * 200 + i}?ref=campaign-${(index * 200 + i) % 17}`,
        ).sort(),
      ]);
  });

  it("stay within Firehose's 500 lines a record at the README's agent setting, even with the shortest common-format line", () => {
    const shortest = '1.2.3.4 - - [22/Nov/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 0';
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const setting = Number(/"aggregatedRecordSizeBytes": (\d+)/.exec(readme)?.[1]);
    expect(setting).toBe(30_720);
    const perRecord = agentRecords(Array(5_000).fill(shortest), setting).map(
      (record) => record.toString('utf8').split('\n').filter(Boolean).length,
    );
    expect(Math.max(...perRecord)).toBeLessThanOrEqual(MAX_SUB_RECORDS);
    // And each record is well past the 5 KB Firehose bills at least.
    expect(Math.min(...perRecord.slice(0, -1)) * (shortest.length + 1)).toBeGreaterThan(5 * 1024);
  });

  it('keep a line the transform cannot parse, alone and with its bytes, while its neighbours land', async () => {
    const lines = [line(0), 'not an access log line', line(1)];
    const firehose = new LocalFirehose(store, async (id) => functionHandler(id));

    await firehose.putRecords(
      'ClickstreamDeliveryStream',
      agentRecords(lines, 40 * 1024).map((Data) => ({ Data })),
    );

    expect(firehose.countsOf('ClickstreamDeliveryStream')).toMatchObject({
      recordsIn: 1,
      ok: 2,
      processingFailed: 1,
    });
    const bucket = fakeRef(loadTemplate(), 'RawBucket');
    const failed = store.list(bucket).find((o) => o.key.startsWith('clickstream-errors/processing-failed/'));
    const kept = JSON.parse(
      gunzipSync(store.get(bucket, failed?.key as string))
        .toString('utf8')
        .trim(),
    ) as {
      rawData: string;
    };
    expect(Buffer.from(kept.rawData, 'base64').toString('utf8')).toBe('not an access log line');
  });
});
