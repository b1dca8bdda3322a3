import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { functionHandler } from '../../../offline/harness';
import { fakeRef } from '../../../offline/substitutions';
import { type Json, loadTemplate, resource } from '../../../offline/template';
import { LocalFirehose } from '../../../tools/local/firehose';
import { LocalObjectStore } from '../../../tools/local/object-store';
import { runMappingTemplate } from '../../support/mapping-template';

/**
 * `POST /events` with `Content-Type: text/plain`, end to end offline: the API's real mapping
 * template, the delivery stream's real processor chain (RecordDeAggregation, then the
 * transform, then its partition keys), the real transform, into the raw zone.
 */
const api = resource(loadTemplate(), 'ClickstreamApi').Properties?.DefinitionBody as Record<string, Json>;
const integration = (api.paths as Record<string, Record<string, Record<string, Json>>>)['/events']?.post?.[
  'x-amazon-apigateway-integration'
] as Record<string, Json>;
const textTemplate = (integration.requestTemplates as Record<string, Json>)['text/plain'] as Json;

const LINES = [
  '10.0.0.7 - - [22/Nov/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 2326',
  'this is not an access log line',
  '10.0.0.8 - - [22/Nov/2026:14:02:11 +0000] "POST /wp-login.php HTTP/1.1" 302 0',
];

describe('clickstream API with a text/plain body', () => {
  let root: string;
  let store: LocalObjectStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'loglake-text-lines-'));
    store = new LocalObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const read = (bucket: string, key: string) => gunzipSync(store.get(bucket, key)).toString('utf8');

  it('lands each line parsed in its own hour, and keeps the line it cannot parse with its bytes', async () => {
    const request = JSON.parse(runMappingTemplate(textTemplate, `${LINES.join('\n')}\n`)) as {
      DeliveryStreamName: string;
      Records: { Data: string }[];
    };
    const firehose = new LocalFirehose(store, async (id) => functionHandler(id));

    await firehose.putRecords(
      request.DeliveryStreamName,
      request.Records.map((r) => ({ Data: Buffer.from(r.Data, 'base64') })),
    );

    // One record was sent (one billed 5 KB increment), three lines were transformed.
    expect(request.Records).toHaveLength(1);
    expect(firehose.countsOf('ClickstreamDeliveryStream')).toMatchObject({
      recordsIn: 1,
      ok: 2,
      processingFailed: 1,
    });
    const bucket = fakeRef(loadTemplate(), 'RawBucket');
    const objects = store.list(bucket).map((o) => o.key);
    const hour13 = objects.find((k) => k.startsWith('clickstream/year=2026/month=11/day=22/hour=13/'));
    const hour14 = objects.find((k) => k.startsWith('clickstream/year=2026/month=11/day=22/hour=14/'));
    const failed = objects.find((k) => k.startsWith('clickstream-errors/processing-failed/'));
    expect(JSON.parse(read(bucket, hour13 as string).trim())).toMatchObject({
      host: '10.0.0.7',
      path: '/',
    });
    expect(JSON.parse(read(bucket, hour14 as string).trim())).toMatchObject({
      verb: 'POST',
      response: 302,
    });
    const kept = JSON.parse(read(bucket, failed as string).trim()) as { rawData: string };
    expect(Buffer.from(kept.rawData, 'base64').toString('utf8')).toBe(LINES[1]);
  });
});
