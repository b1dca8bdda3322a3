import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FirehoseCounts {
  putRecordBatchCalls: number;
  records: number;
  bytes: number;
}

/**
 * A loopback stand-in for the Firehose API (JSON 1.1 protocol) that accepts every
 * PutRecordBatch and counts calls, records and bytes, so the built bundles run with their
 * real SDK client (AWS_ENDPOINT_URL_FIREHOSE) and nothing leaves the machine.
 */
export async function startFirehoseEndpoint(): Promise<{
  url: string;
  counts: FirehoseCounts;
  close(): Promise<void>;
}> {
  const counts: FirehoseCounts = { putRecordBatchCalls: 0, records: 0, bytes: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (!target.endsWith('.PutRecordBatch')) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({ __type: 'InvalidArgumentException', message: `unsupported ${target}` }),
        );
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records: { Data: string }[] };
      counts.putRecordBatchCalls++;
      counts.records += body.Records.length;
      for (const record of body.Records) counts.bytes += Buffer.from(record.Data, 'base64').byteLength;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          FailedPutCount: 0,
          Encrypted: false,
          RequestResponses: body.Records.map((_, i) => ({ RecordId: `bench-${counts.records}-${i}` })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
