import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an upload left: the body, by `bucket/key`. */
export type RecordedObjects = Map<string, Buffer>;

export interface RecordingS3 {
  /** The endpoint, for AWS_ENDPOINT_URL_S3 (boto3 and the SDKs address it path-style). */
  url: string;
  objects: RecordedObjects;
  close(): Promise<void>;
}

/**
 * A local S3 endpoint that keeps what `sam package` uploads, in memory: single-part PutObject
 * and HeadObject (200 for a key it holds, so packaging's skip-if-present works as on S3), and an
 * S3-style NotImplemented error for anything else, so an upload path this cannot answer fails
 * loudly instead of passing. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
export async function startRecordingS3(): Promise<RecordingS3> {
  const objects: RecordedObjects = new Map();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://local');
      const path = decodeURIComponent(url.pathname.slice(1));
      const simple = url.search === '' && path.includes('/');
      if (request.method === 'HEAD' && simple) {
        response.statusCode = objects.has(path) ? 200 : 404;
        return response.end();
      }
      if (request.method === 'PUT' && simple) {
        const body = Buffer.concat(chunks);
        objects.set(path, body);
        response.setHeader('ETag', `"${createHash('md5').update(body).digest('hex')}"`);
        return response.end();
      }
      response.statusCode = 501;
      response.setHeader('Content-Type', 'application/xml');
      response.end(
        `<Error><Code>NotImplemented</Code><Message>${request.method} ${request.url} is not recorded</Message></Error>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
