import { isUtf8 } from 'node:buffer';
import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import {
  decodedWhole,
  decodeRecordData,
  droppedResult,
  okResult,
  processingFailedResult,
} from '../shared/firehose/records';
import { parseAccessLogLine } from './access-log';

export interface RejectedRecord {
  readonly recordId: string;
  readonly reason: string;
}

/** What one invocation saw, for its summary log line. */
export interface TransformStats {
  inputBytes: number;
  /** The oldest request hour (`YYYY-MM-DDTHH`, UTC) of a record transformed: how late records arrive. */
  oldestHour?: string;
  /** Why records were rejected (the first few only: one log line per invocation). */
  readonly rejected: RejectedRecord[];
}

const MAX_REJECTIONS_REPORTED = 5;

/**
 * Turns one Firehose record (one access-log line) into its result, with the same recordId:
 * Ok with the JSON document and its request-time partition keys, Dropped for a blank
 * line, ProcessingFailed with the original data for anything else. Never throws.
 */
export function clickstreamTransform(stats: TransformStats) {
  return (
    record: Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>,
  ): FirehoseTransformationResultRecord => {
    const raw = decodeRecordData(record);
    stats.inputBytes += raw.byteLength;
    const parsed = !decodedWhole(record.data, raw)
      ? ({ kind: 'invalid', reason: 'record data is not base64' } as const)
      : isUtf8(raw)
        ? parseAccessLogLine(raw.toString('utf8'))
        : ({ kind: 'invalid', reason: 'data is not valid UTF-8' } as const);
    if (parsed.kind === 'entry') {
      const { year, month, day, hour } = parsed.utc;
      const requestHour = `${year}-${month}-${day}T${hour}`;
      if (stats.oldestHour === undefined || requestHour < stats.oldestHour) stats.oldestHour = requestHour;
      return okResult(record.recordId, `${JSON.stringify(parsed.entry)}\n`, parsed.utc);
    }
    if (parsed.kind === 'blank') return droppedResult(record.recordId);
    if (stats.rejected.length < MAX_REJECTIONS_REPORTED) {
      stats.rejected.push({ recordId: record.recordId, reason: parsed.reason });
    }
    return processingFailedResult(record);
  };
}

export const newTransformStats = (): TransformStats => ({ inputBytes: 0, rejected: [] });

/** Whole hours from the start of request hour `hour` to `now` (0 for the current hour). */
export function requestAgeHours(hour: string | undefined, now: number): number | undefined {
  if (hour === undefined) return undefined;
  return Math.max(0, Math.floor((now - Date.parse(`${hour}:00:00Z`)) / 3_600_000));
}
