import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { tracer } from '../powertools';

let client: Promise<FirehoseClient> | undefined;

/**
 * The one Firehose client of a transform's execution environment, built on first use.
 * The transforms only call Firehose when a response overflows, and loading the SDK client
 * costs ~60 ms of every cold start, so it is imported lazily (esbuild keeps dynamic imports
 * lazy in the bundle); functions that always call Firehose build theirs at module scope.
 */
export function firehoseClient(): Promise<FirehoseClient> {
  client ??= import('@aws-sdk/client-firehose').then(({ FirehoseClient }) =>
    tracer.captureAWSv3Client(new FirehoseClient({})),
  );
  return client;
}
