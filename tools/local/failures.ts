import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { clickstreamTransform, newTransformStats } from '../../functions/clickstream-transform/transform';
import {
  cloudWatchLogsTransform,
  newLogsTransformStats,
} from '../../functions/cloudwatch-logs-transform/transform';
import type { LocalObjectStore } from './object-store';

/** The records a pipeline's transform rejected for one reason, as its error prefix keeps them. */
export interface FailureGroup {
  pipeline: string;
  reason: string;
  count: number;
  /** The first few originals, as readable text. */
  samples: string[];
  /** The error-prefix objects that hold them. */
  keys: string[];
}

/** Why a rejected record was rejected: the transform's own reason, by running it on the original. */
const REASON_OF: Record<string, (raw: string) => string | undefined> = {
  clickstream: (data) => {
    const stats = newTransformStats();
    clickstreamTransform(stats)({ recordId: 'r', data });
    return stats.rejected[0]?.reason;
  },
  'cloudwatch-logs': (data) => {
    const stats = newLogsTransformStats();
    cloudWatchLogsTransform(stats)({ recordId: 'r', data }, 0);
    return stats.rejected[0]?.reason;
  },
};

/** Printable bytes: text as it is (cut), anything else as its size and first bytes in hex. */
function readable(bytes: Buffer): string {
  const control = bytes.some((b) => b < 9 || (b > 13 && b < 32));
  if (isUtf8(bytes) && !control) return bytes.toString('utf8').trimEnd().slice(0, 160);
  return `(${bytes.byteLength} bytes, not text: ${bytes.subarray(0, 12).toString('hex')}…)`;
}

/**
 * The records each transform sent to its error prefix (`<pipeline>-errors/`), grouped by the
 * reason the transform gives for each, with a few samples and the objects that hold them.
 */
export function failuresOf(store: LocalObjectStore, bucket: string): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const [pipeline, reasonOf] of Object.entries(REASON_OF)) {
    for (const object of store.list(bucket, `${pipeline}-errors/`)) {
      const stored = store.get(bucket, object.key);
      // Firehose compresses what it writes (GZIP), error records included.
      const text = (stored[0] === 0x1f && stored[1] === 0x8b ? gunzipSync(stored) : stored).toString('utf8');
      const lines = text.split('\n').filter(Boolean);
      for (const line of lines) {
        const { rawData } = JSON.parse(line) as { rawData: string };
        const reason = reasonOf(rawData) ?? 'rejected (the transform gives no reason)';
        const group = groups.get(`${pipeline}\n${reason}`) ?? {
          pipeline,
          reason,
          count: 0,
          samples: [],
          keys: [],
        };
        group.count++;
        if (group.samples.length < 3) group.samples.push(readable(Buffer.from(rawData, 'base64')));
        if (!group.keys.includes(object.key)) group.keys.push(object.key);
        groups.set(`${pipeline}\n${reason}`, group);
      }
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
