import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { savedObjects } from '../../offline/dashboard-queries';
import { REPO_ROOT } from '../../offline/repo';
import {
  type InstallRequest,
  indexTemplateRequest,
  install,
  installRequests,
  savedObjectsRequest,
} from '../../tools/dashboards/install';

/** What make dashboards sends, and how it reads the answers (the index template part also runs on a real node: tests/dashboards). */
describe('make dashboards', () => {
  it('PUTs the index template whole, then imports the saved objects with overwrite, so a re-run converges', () => {
    const [template, objects] = installRequests() as [InstallRequest, InstallRequest];
    expect([template.method, template.path]).toEqual(['PUT', '/_index_template/loglake-clickstream']);
    expect(JSON.parse(template.body.toString())).toEqual(
      JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards', 'clickstream-index-template.json'), 'utf8')),
    );
    expect([objects.method, objects.path]).toEqual([
      'POST',
      '/_dashboards/api/saved_objects/_import?overwrite=true',
    ]);
    expect(objects.headers['osd-xsrf']).toBe('true');
  });

  it('sends the saved objects file unchanged as the multipart file field', () => {
    const ndjson = readFileSync(join(REPO_ROOT, 'dashboards', 'clickstream.ndjson'));
    const request = savedObjectsRequest(ndjson, 'b0undary');
    expect(request.headers['content-type']).toBe('multipart/form-data; boundary=b0undary');
    const body = request.body.toString('utf8');
    expect(
      body.startsWith(
        '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="clickstream.ndjson"',
      ),
    ).toBe(true);
    expect(body).toContain(`\r\n\r\n${ndjson.toString('utf8')}\r\n--b0undary--\r\n`);
  });

  it('stops at the first refusal, saying which step and why', async () => {
    const refusing = async (r: InstallRequest) =>
      r.path.startsWith('/_index_template')
        ? { status: 200, body: '{"acknowledged":true}' }
        : {
            status: 200,
            body: '{"success":false,"successCount":0,"errors":[{"id":"x","error":{"type":"conflict"}}]}',
          };
    await expect(install(refusing, installRequests())).rejects.toThrow(
      /saved objects.*import errors.*conflict/,
    );
    await expect(
      install(async () => ({ status: 403, body: '{"message":"no data access"}' }), [indexTemplateRequest()]),
    ).rejects.toThrow(/index template loglake-clickstream: HTTP 403 .*no data access/);
  });

  it('reports what each step did when all are accepted', async () => {
    const accepting = async (r: InstallRequest) =>
      r.path.startsWith('/_index_template')
        ? { status: 200, body: '{"acknowledged":true}' }
        : { status: 200, body: '{"success":true,"successCount":9}' };
    await expect(install(accepting, installRequests())).resolves.toEqual([
      'index template loglake-clickstream: acknowledged',
      'dashboards saved objects (index pattern, visualizations, dashboard): 9 imported',
    ]);
  });
});

describe('the saved objects', () => {
  const objects = savedObjects();
  const ids = (type: string) => objects.filter((o) => o.type === type).map((o) => o.id);

  it('have unique ids per type and references only to objects in the file', () => {
    for (const type of ['index-pattern', 'visualization', 'dashboard'])
      expect(new Set(ids(type)).size).toBe(ids(type).length);
    for (const o of objects)
      for (const ref of o.references)
        expect([o.id, ref.id, ids(ref.type).includes(ref.id)]).toEqual([o.id, ref.id, true]);
  });

  it('put every visualization on the one dashboard, over the clickstream index pattern with its time field', () => {
    const [dashboard] = objects.filter((o) => o.type === 'dashboard');
    expect(dashboard?.references.map((r) => r.id).sort()).toEqual(ids('visualization').sort());
    const panels = JSON.parse(String(dashboard?.attributes.panelsJSON)) as { panelRefName: string }[];
    expect(panels.map((p) => p.panelRefName)).toEqual(dashboard?.references.map((r) => r.name));
    const [pattern] = objects.filter((o) => o.type === 'index-pattern');
    expect(pattern?.attributes).toEqual({ title: 'clickstream*', timeFieldName: '@timestamp' });
  });
});
