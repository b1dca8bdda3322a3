import { createHash } from 'node:crypto';
import { manifestKey } from './layout';

export interface CopiedFile {
  readonly customer: string;
  readonly source: string;
  readonly key: string;
  /** Data rows (header excluded). */
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface CustomerTotals {
  files: number;
  rows: number;
  bytes: number;
}

export interface Manifest {
  readonly batchId: string;
  readonly bucket: string;
  readonly files: readonly CopiedFile[];
  readonly customers: Readonly<Record<string, CustomerTotals>>;
  readonly totals: CustomerTotals;
  /** sha256 over every copied file's key and content hash. */
  readonly digest: string;
}

/** What the token holds: enough for the workflow to run the batch without reading more. */
export interface Token {
  readonly batchId: string;
  readonly bucket: string;
  readonly manifestKey: string;
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
  readonly digest: string;
}

/**
 * The manifest is deterministic: no clock, files in key order. So is the token, so re-running a
 * batch whose sources did not change writes a token with the same ETag, which the workflow's
 * claim recognises as done; a changed source changes the digest and so starts a new run.
 */
export function buildManifest(batchId: string, bucket: string, copied: readonly CopiedFile[]): Manifest {
  const files = [...copied].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const customers: Record<string, CustomerTotals> = {};
  const totals: CustomerTotals = { files: 0, rows: 0, bytes: 0 };
  const digest = createHash('sha256');
  for (const file of files) {
    const customer = customers[file.customer] ?? { files: 0, rows: 0, bytes: 0 };
    customers[file.customer] = customer;
    for (const sum of [customer, totals]) {
      sum.files += 1;
      sum.rows += file.rows;
      sum.bytes += file.bytes;
    }
    digest.update(`${file.key}\n${file.sha256}\n`);
  }
  return { batchId, bucket, files, customers, totals, digest: digest.digest('hex') };
}

export function tokenOf(manifest: Manifest): Token {
  return {
    batchId: manifest.batchId,
    bucket: manifest.bucket,
    manifestKey: manifestKey(manifest.batchId),
    ...manifest.totals,
    digest: manifest.digest,
  };
}
