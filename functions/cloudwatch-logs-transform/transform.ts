import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import {
  decodeRecordData,
  droppedResult,
  okResult,
  processingFailedResult,
} from '../shared/firehose/records';
import { decodeSubscriptionPayload, logEventLines, partitionKeysOf, splitPayload } from './subscription';

type EventRecord = Pick<FirehoseTransformationEventRecord, 'recordId' | 'data'>;

export interface LogsTransformStats {
  controlMessages: number;
  /** Log events and decoded bytes per transformed record index (overflow ones are discounted later). */
  readonly delivered: Map<number, { account: string; logEvents: number; decodedBytes: number }>;
  readonly rejected: { recordId: string; reason: string }[];
}

const MAX_REJECTIONS_REPORTED = 5;

/**
 * A re-ingested payload is split so that its decoded lines stay under this: well inside
 * one response even after base64 (×4/3), so a re-ingested record never overflows again.
 */
export const REINGEST_MAX_DECODED_BYTES = 1024 * 1024;

export const newLogsTransformStats = (): LogsTransformStats => ({
  controlMessages: 0,
  delivered: new Map(),
  rejected: [],
});

/** Totals over the records answered Ok (a record sent back for re-ingest is counted when it returns). */
export function deliveredTotals(stats: LogsTransformStats, overflow: readonly number[]) {
  const skipped = new Set(overflow);
  let logEvents = 0;
  let decodedBytes = 0;
  const logEventsByAccount: Record<string, number> = {};
  for (const [index, counts] of stats.delivered) {
    if (skipped.has(index)) continue;
    logEvents += counts.logEvents;
    decodedBytes += counts.decodedBytes;
    logEventsByAccount[counts.account] = (logEventsByAccount[counts.account] ?? 0) + counts.logEvents;
  }
  return { logEvents, decodedBytes, logEventsByAccount };
}

/**
 * DATA_MESSAGE → Ok, one JSON line per log event, partitioned by log group and hour;
 * CONTROL_MESSAGE (and a DATA_MESSAGE without events) → Dropped; anything that does not
 * decode → ProcessingFailed with the original data. Never throws.
 */
export function cloudWatchLogsTransform(stats: LogsTransformStats) {
  return (record: EventRecord, index: number): FirehoseTransformationResultRecord => {
    const decoded = decodeSubscriptionPayload(decodeRecordData(record));
    if (decoded.kind === 'control') {
      stats.controlMessages++;
      return droppedResult(record.recordId);
    }
    if (decoded.kind === 'invalid') {
      if (stats.rejected.length < MAX_REJECTIONS_REPORTED) {
        stats.rejected.push({ recordId: record.recordId, reason: decoded.reason });
      }
      return processingFailedResult(record);
    }
    if (decoded.message.logEvents.length === 0) return droppedResult(record.recordId);
    const lines = logEventLines(decoded.message);
    stats.delivered.set(index, {
      account: decoded.message.owner,
      logEvents: decoded.message.logEvents.length,
      decodedBytes: Buffer.byteLength(lines),
    });
    return okResult(record.recordId, lines, partitionKeysOf(decoded.message));
  };
}

/** Re-ingests a record that did not fit, split into pieces that will. */
export function reingestPayloads(record: EventRecord): Uint8Array[] {
  const original = decodeRecordData(record);
  const decoded = decodeSubscriptionPayload(original);
  if (decoded.kind !== 'data') return [original];
  return splitPayload(decoded.message, REINGEST_MAX_DECODED_BYTES);
}
