import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import { CustomerColumn, MalformedCsvError } from './customer-column';
import { assertUniqueTargets, csvPrefix, manifestKey, targetName, tokenKey } from './layout';
import { buildManifest, type CopiedFile, type Manifest, tokenOf } from './manifest';
import type { AggregationRequest, AuditSource } from './request';

/** The S3 operations aggregation needs; index.ts backs them with the SDK. */
export interface BatchStore {
  /** Objects under a prefix (folder markers excluded). */
  list(bucket: string, prefix: string): AsyncIterable<{ key: string }>;
  read(bucket: string, key: string): Promise<Readable>;
  /** Writes to the central bucket, consuming `body` as it is produced. */
  write(key: string, body: Readable | string, contentType: string): Promise<void>;
}

/** A source could not be listed, read or copied: the batch stops before its token. */
export class SourceCopyError extends Error {
  override readonly name = 'SourceCopyError';
}

/** A source's prefix holds no objects: a customer's export is missing, not empty. */
export class SourceMissingError extends Error {
  override readonly name = 'SourceMissingError';
}

interface CopyJob {
  readonly customer: string;
  readonly bucket: string;
  readonly key: string;
  readonly target: string;
}

const uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

async function copyJobs(batchId: string, source: AuditSource, store: BatchStore): Promise<CopyJob[]> {
  const keys: string[] = [];
  if (source.key === '' || source.key.endsWith('/')) {
    try {
      for await (const object of store.list(source.bucket, source.key)) keys.push(object.key);
    } catch (error) {
      throw new SourceCopyError(
        `customer ${source.customer}: listing ${source.uri} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    if (keys.length === 0)
      throw new SourceMissingError(`customer ${source.customer}: no objects under ${source.uri}`);
  } else keys.push(source.key);
  return keys.map((key) => ({
    customer: source.customer,
    bucket: source.bucket,
    key,
    target: `${csvPrefix(batchId, source.customer)}${targetName(key, source.key)}`,
  }));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Hashes what passes through, for the manifest's digest. */
function hashing() {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function copyOne(job: CopyJob, store: BatchStore): Promise<CopiedFile> {
  const source = uri(job.bucket, job.key);
  const column = new CustomerColumn(job.customer, source);
  const hash = hashing();
  try {
    const body = await store.read(job.bucket, job.key);
    // pipeline destroys every stream on the first error (a failed read, a malformed row), so the
    // upload's body fails and no shortened object is stored.
    const copy = pipeline(body, column, hash.stream, () => {});
    await store.write(job.target, copy, 'text/csv; charset=utf-8');
  } catch (error) {
    const malformed = [error, column.errored].find((e) => e instanceof MalformedCsvError);
    if (malformed) {
      // Same class (MalformedCsvError or CsvEncodingError), with the customer named too.
      const Named = malformed.constructor as typeof MalformedCsvError;
      throw new Named(`customer ${job.customer}: ${malformed.message}`, { cause: malformed });
    }
    throw new SourceCopyError(`customer ${job.customer}: copying ${source} failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return {
    customer: job.customer,
    source,
    key: job.target,
    rows: column.stats.rows,
    bytes: column.stats.bytesOut,
    sha256: hash.digest(),
  };
}

/** Runs the jobs, `concurrency` at a time; after a failure no new copy starts. */
async function copyAll(
  jobs: readonly CopyJob[],
  store: BatchStore,
  concurrency: number,
): Promise<CopiedFile[]> {
  const copied: CopiedFile[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < jobs.length) {
      const job = jobs[next++] as CopyJob;
      try {
        copied.push(await copyOne(job, store));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  if (failure) throw failure.error;
  return copied;
}

export interface AggregationResult {
  readonly manifest: Manifest;
  readonly manifestKey: string;
  readonly tokenKey: string;
}

/**
 * Copies every source object into the central bucket with the customer column, then writes the
 * manifest, then the token: the token exists only when the whole batch does.
 */
export async function aggregateBatch(
  request: AggregationRequest,
  store: BatchStore,
  options: { bucket: string; concurrency: number },
): Promise<AggregationResult> {
  const jobs: CopyJob[] = [];
  for (const source of request.sources) jobs.push(...(await copyJobs(request.batchId, source, store)));
  assertUniqueTargets(jobs.map((job) => ({ key: job.target, source: uri(job.bucket, job.key) })));

  const copied = await copyAll(jobs, store, options.concurrency);
  const manifest = buildManifest(request.batchId, options.bucket, copied);
  const manifestAt = manifestKey(request.batchId);
  const tokenAt = tokenKey(request.batchId);
  await store.write(manifestAt, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  await store.write(tokenAt, `${JSON.stringify(tokenOf(manifest))}\n`, 'application/json');
  return { manifest, manifestKey: manifestAt, tokenKey: tokenAt };
}
