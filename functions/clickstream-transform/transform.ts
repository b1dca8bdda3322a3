import { isUtf8 } from 'node:buffer';
import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import {
  decodedWhole,
  decodeRecordData,
  decodeRecordDataReusing,
  droppedResult,
  okResult,
  processingFailedResult,
} from '../shared/firehose/records';
import { parseAccessLogLine } from './access-log';
import { writeAccessLogJson, writtenDocumentBase64, writtenRequestHour } from './access-log-json';

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

type EventRecord = Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>;

/**
 * Turns one Firehose record (one access-log line) into its result, with the same recordId:
 * Ok with the JSON document and its request-time partition keys, Dropped for a blank
 * line, ProcessingFailed with the original data for anything else. Never throws.
 * The byte-level fast path (access-log-json.ts) answers the lines it knows; every other line,
 * and every line when `parser` is 'reference', goes through parseAccessLogLine. Both give
 * byte-identical responses (tests/unit/clickstream-transform/access-log-json.test.ts).
 */
export function clickstreamTransform(stats: TransformStats, parser: 'fast' | 'reference' = 'fast') {
  const noteHour = (requestHour: string) => {
    if (stats.oldestHour === undefined || requestHour < stats.oldestHour) stats.oldestHour = requestHour;
  };
  const reference = (record: EventRecord, raw: Buffer): FirehoseTransformationResultRecord => {
    const parsed = !decodedWhole(record.data, raw)
      ? ({ kind: 'invalid', reason: 'record data is not base64' } as const)
      : isUtf8(raw)
        ? parseAccessLogLine(raw.toString('utf8'))
        : ({ kind: 'invalid', reason: 'data is not valid UTF-8' } as const);
    if (parsed.kind === 'entry') {
      const { year, month, day, hour } = parsed.utc;
      noteHour(`${year}-${month}-${day}T${hour}`);
      return okResult(record.recordId, `${JSON.stringify(parsed.entry)}\n`, parsed.utc);
    }
    if (parsed.kind === 'blank') return droppedResult(record.recordId);
    if (stats.rejected.length < MAX_REJECTIONS_REPORTED) {
      stats.rejected.push({ recordId: record.recordId, reason: parsed.reason });
    }
    return processingFailedResult(record);
  };
  if (parser === 'reference') {
    return (record: EventRecord): FirehoseTransformationResultRecord => {
      const raw = decodeRecordData(record);
      stats.inputBytes += raw.byteLength;
      return reference(record, raw);
    };
  }
  return (record: EventRecord): FirehoseTransformationResultRecord => {
    const raw = decodeRecordDataReusing(record);
    stats.inputBytes += raw.byteLength;
    const written = decodedWhole(record.data, raw) ? writeAccessLogJson(raw, raw.byteLength) : -1;
    if (written < 0) return reference(record, raw);
    const { hour, metadata } = writtenRequestHour();
    noteHour(hour);
    return { recordId: record.recordId, result: 'Ok', data: writtenDocumentBase64(written), metadata };
  };
}

export const newTransformStats = (): TransformStats => ({ inputBytes: 0, rejected: [] });

/** Whole hours from the start of request hour `hour` to `now` (0 for the current hour). */
export function requestAgeHours(hour: string | undefined, now: number): number | undefined {
  if (hour === undefined) return undefined;
  return Math.max(0, Math.floor((now - Date.parse(`${hour}:00:00Z`)) / 3_600_000));
}
