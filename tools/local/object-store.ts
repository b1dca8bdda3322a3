import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export class NoSuchKeyError extends Error {
  override readonly name = 'NoSuchKey';
}

/** A local stand-in for S3: `<root>/<bucket>/<key>`, so the demo's output reads like the lake. */
export class LocalObjectStore {
  constructor(readonly root: string) {}

  path(bucket: string, key = ''): string {
    return join(this.root, bucket, ...key.split('/'));
  }

  put(bucket: string, key: string, body: Buffer | string): void {
    const file = this.path(bucket, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  }

  get(bucket: string, key: string): Buffer {
    try {
      return readFileSync(this.path(bucket, key));
    } catch {
      throw new NoSuchKeyError(`The specified key does not exist: s3://${bucket}/${key}`);
    }
  }

  /** Objects under a prefix, in key order (as ListObjectsV2 returns them). */
  list(bucket: string, prefix = ''): StoredObject[] {
    const base = this.path(bucket);
    const found: StoredObject[] = [];
    const walk = (dir: string) => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = join(dir, entry);
        const stat = statSync(full);
        if (stat.isDirectory()) walk(full);
        else {
          const key = relative(base, full).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, size: stat.size, lastModified: stat.mtime });
        }
      }
    };
    walk(base);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** `s3://bucket/key` → its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}
