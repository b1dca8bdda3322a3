import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { timeseriesKey, yyyymmdd } from './hours';

/**
 * The hours among `hours` whose timeseries file is already in the bucket: one listing per
 * day, so a re-run, redrive or retried day skips what an earlier run finished.
 */
export async function hoursAlreadyWritten(
  s3: S3Client,
  bucket: string,
  service: string,
  hours: readonly Date[],
): Promise<Set<number>> {
  const keys = new Set<string>();
  for (const day of new Set(hours.map(yyyymmdd))) {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `timeseries/${day}/`, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.add(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return new Set(hours.filter((h) => keys.has(timeseriesKey(service, h))).map((h) => h.getTime()));
}
