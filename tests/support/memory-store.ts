import { Readable } from 'node:stream';
import type { BatchStore } from '../../functions/audit-log-aggregator/aggregate';

/**
 * A BatchStore over the fixture's source files: reads stream them in small chunks (so rows
 * straddle chunks), writes are consumed in full and kept in order, as S3 would see them.
 */
export class MemoryStore implements BatchStore {
  readonly written = new Map<string, string>();
  readonly writeOrder: string[] = [];
  readonly failReads = new Map<string, Error>();

  constructor(private readonly sources: Record<string, string | Buffer>) {}

  async *list(bucket: string, prefix: string) {
    for (const uri of Object.keys(this.sources).sort()) {
      if (uri.startsWith(`s3://${bucket}/${prefix}`)) yield { key: uri.slice(`s3://${bucket}/`.length) };
    }
  }

  async read(bucket: string, key: string) {
    const uri = `s3://${bucket}/${key}`;
    const failure = this.failReads.get(uri);
    if (failure) throw failure;
    const text = this.sources[uri];
    if (text === undefined) throw Object.assign(new Error(`no ${uri}`), { name: 'NoSuchKey' });
    const bytes = Buffer.from(text);
    return Readable.from(
      Array.from({ length: Math.ceil(bytes.byteLength / 16) }, (_, i) => bytes.subarray(i * 16, i * 16 + 16)),
    );
  }

  async write(key: string, body: Readable | string) {
    const chunks: Buffer[] = [];
    if (typeof body === 'string') chunks.push(Buffer.from(body));
    else for await (const chunk of body) chunks.push(Buffer.from(chunk));
    // Decoded whole: a character whose bytes straddle chunks stays one character.
    this.written.set(key, Buffer.concat(chunks).toString('utf8'));
    this.writeOrder.push(key);
  }
}
