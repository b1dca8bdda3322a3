import { isUtf8 } from 'node:buffer';
import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import {
  decodeRecordData,
  droppedResult,
  okResult,
  processingFailedResult,
} from '../shared/firehose-records';
import { parseAccessLogLine } from './access-log';

export interface RejectedRecord {
  readonly recordId: string;
  readonly reason: string;
}

export interface ClickstreamBatch {
  readonly results: FirehoseTransformationResultRecord[];
  /** Why records were rejected, for the summary log line (first few only). */
  readonly rejected: RejectedRecord[];
  readonly inputBytes: number;
}

const MAX_REJECTIONS_REPORTED = 5;

/**
 * Turns each Firehose record (one access-log line) into one result with the same
 * recordId: Ok with the JSON document and its request-time partition keys, Dropped
 * for a blank line, ProcessingFailed with the original data for anything else.
 */
export function transformClickstreamRecords(
  records: readonly Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>[],
): ClickstreamBatch {
  const results: FirehoseTransformationResultRecord[] = new Array(records.length);
  const rejected: RejectedRecord[] = [];
  let inputBytes = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as FirehoseTransformationEventRecord;
    const raw = decodeRecordData(record);
    inputBytes += raw.byteLength;
    const reason = isUtf8(raw) ? undefined : 'data is not valid UTF-8';
    const parsed = reason ? { kind: 'invalid' as const, reason } : parseAccessLogLine(raw.toString('utf8'));
    if (parsed.kind === 'entry') {
      results[index] = okResult(record.recordId, `${JSON.stringify(parsed.entry)}\n`, parsed.utc);
    } else if (parsed.kind === 'blank') {
      results[index] = droppedResult(record.recordId);
    } else {
      results[index] = processingFailedResult(record);
      if (rejected.length < MAX_REJECTIONS_REPORTED) {
        rejected.push({ recordId: record.recordId, reason: parsed.reason });
      }
    }
  }
  return { results, rejected, inputBytes };
}
