import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { type InstallRequest, install, installRequests } from './install';

/**
 * make dashboards ENDPOINT=https://<id>.<region>.aoss.amazonaws.com: installs the clickstream
 * index template and the dashboards into a deployed collection, signing each request with
 * SigV4 for OpenSearch Serverless (service `aoss`, the payload hash in x-amz-content-sha256:
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-clients.html).
 * Credentials come from the usual chain (AWS_PROFILE, SSO, the environment); the principal must
 * be SearchReaderPrincipalArn.
 */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

const { values } = parseArgs({
  options: { endpoint: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
});
const endpoint = values.endpoint;
const host = endpoint
  ? /^https:\/\/([a-z0-9]+\.([a-z0-9-]+)\.aoss\.amazonaws\.com)\/?$/.exec(endpoint)
  : null;
if (!host) {
  process.stderr.write(
    'usage: make dashboards ENDPOINT=https://<collection-id>.<region>.aoss.amazonaws.com (the stack output SearchEndpoint)\n',
  );
  process.exit(2);
}
const [, hostname, region] = host as unknown as [string, string, string];
const requests = installRequests();

if (values['dry-run']) {
  for (const r of requests) process.stdout.write(`${r.method} https://${hostname}${r.path}  (${r.what})\n`);
  process.exit(0);
}

const signer = new SignatureV4({
  service: 'aoss',
  region,
  credentials: defaultProvider(),
  sha256: Sha256,
});

async function send(request: InstallRequest) {
  const [path, query] = request.path.split('?') as [string, string | undefined];
  const signed = await signer.sign({
    method: request.method,
    protocol: 'https:',
    hostname,
    path,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers: {
      ...request.headers,
      host: hostname,
      'x-amz-content-sha256': createHash('sha256').update(request.body).digest('hex'),
    },
    body: request.body,
  });
  const response = await fetch(`https://${hostname}${request.path}`, {
    method: request.method,
    headers: signed.headers as Record<string, string>,
    body: request.body,
  });
  return { status: response.status, body: await response.text() };
}

install(send, requests).then(
  (done) => {
    for (const line of done) process.stdout.write(`${line}\n`);
    process.stdout.write(
      `Dashboards: https://${hostname}/_dashboards/app/dashboards#/view/loglake-clickstream\n`,
    );
  },
  (error: Error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  },
);
