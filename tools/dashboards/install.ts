import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';

/**
 * What `make dashboards` sends to a deployed collection, in order; each step is idempotent, so a
 * re-run converges: the index template is PUT (replaced whole), the saved objects are imported
 * with overwrite=true under their fixed ids.
 */
export interface InstallRequest {
  readonly what: string;
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export const INDEX_TEMPLATE_NAME = 'loglake-clickstream';
const DASHBOARDS_DIR = join(REPO_ROOT, 'dashboards');

export function indexTemplateRequest(
  template = readFileSync(join(DASHBOARDS_DIR, 'clickstream-index-template.json')),
): InstallRequest {
  return {
    what: `index template ${INDEX_TEMPLATE_NAME}`,
    method: 'PUT',
    path: `/_index_template/${INDEX_TEMPLATE_NAME}`,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(JSON.parse(template.toString('utf8')))),
  };
}

/**
 * The saved objects import of OpenSearch Dashboards (served under /_dashboards on the managed
 * service; POSTs need `osd-xsrf: true`):
 * https://docs.opensearch.org/latest/dashboards/management/saved-objects-api/
 */
export function savedObjectsRequest(
  ndjson = readFileSync(join(DASHBOARDS_DIR, 'clickstream.ndjson')),
  boundary = 'loglake-dashboards-boundary',
): InstallRequest {
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clickstream.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n`,
    ),
    ndjson,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    what: 'dashboards saved objects (index pattern, visualizations, dashboard)',
    method: 'POST',
    path: '/_dashboards/api/saved_objects/_import?overwrite=true',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'osd-xsrf': 'true' },
    body,
  };
}

export const installRequests = (): InstallRequest[] => [indexTemplateRequest(), savedObjectsRequest()];

export type Send = (request: InstallRequest) => Promise<{ status: number; body: string }>;

export class InstallError extends Error {
  override readonly name = 'InstallError';
}

/** Sends each request and says what each did; any refusal (an HTTP error, or an import error) stops it. */
export async function install(send: Send, requests: readonly InstallRequest[]): Promise<string[]> {
  const done: string[] = [];
  for (const request of requests) {
    const { status, body } = await send(request);
    if (status < 200 || status >= 300)
      throw new InstallError(`${request.what}: HTTP ${status} ${body.slice(0, 500)}`);
    const answer = JSON.parse(body) as {
      acknowledged?: boolean;
      success?: boolean;
      successCount?: number;
      errors?: unknown[];
    };
    if (request.path.startsWith('/_index_template/') && answer.acknowledged !== true)
      throw new InstallError(`${request.what}: not acknowledged (${body.slice(0, 300)})`);
    if (
      request.path.includes('/saved_objects/_import') &&
      (answer.success !== true || (answer.errors ?? []).length > 0)
    )
      throw new InstallError(
        `${request.what}: import errors ${JSON.stringify(answer.errors ?? answer).slice(0, 500)}`,
      );
    done.push(
      request.path.includes('_import')
        ? `${request.what}: ${answer.successCount} imported`
        : `${request.what}: acknowledged`,
    );
  }
  return done;
}
