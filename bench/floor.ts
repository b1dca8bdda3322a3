import { gunzipSync } from 'node:zlib';

/**
 * The Node floor of a Firehose transformation: what any Node transform must pay for the same
 * bytes in and out with no parsing at all. It reads the event text, decodes every record, emits
 * output documents of the sizes the real transform produced (one base64 call each), builds the
 * results and serialises the response. The ratio of a transform to its floor does not move with
 * the machine or its load, so the targets (docs/performance.md) are set against it.
 */

type EventRecord = { recordId: string; data: string };
type AnsweredRecord = {
  recordId: string;
  result: string;
  data?: string;
  metadata?: { partitionKeys?: Record<string, string> };
};

/** What the floor must emit for each record: the real transform's answer, sized. */
export interface FloorPlan {
  readonly results: readonly { result: string; dataBytes: number }[];
  /** One partition-key object, shared as a fast transform would share one per hour. */
  readonly partitionKeys?: Record<string, string>;
  readonly largestDocument: number;
}

/** The plan of a response: for each record, in order, its result and its decoded data size. */
export function floorPlan(responseText: string): FloorPlan {
  const records = (JSON.parse(responseText) as { records: AnsweredRecord[] }).records;
  const results = records.map((r) => ({
    result: r.result,
    dataBytes: r.data === undefined ? 0 : Buffer.byteLength(r.data, 'base64'),
  }));
  return {
    results,
    partitionKeys: records.find((r) => r.metadata?.partitionKeys)?.metadata?.partitionKeys,
    largestDocument: Math.max(0, ...results.map((r) => r.dataBytes)),
  };
}

function floorResponse(eventText: string, plan: FloorPlan, readRecord: (decoded: Buffer) => unknown): string {
  const event = JSON.parse(eventText) as { records: EventRecord[] };
  const scratch = Buffer.alloc(plan.largestDocument, 0x61);
  const metadata = plan.partitionKeys ? { partitionKeys: plan.partitionKeys } : undefined;
  let sink = 0;
  const records = event.records.map((record, index) => {
    const answer = plan.results[index] ?? { result: 'Dropped', dataBytes: 0 };
    const decoded = readRecord(Buffer.from(record.data, 'base64'));
    sink ^= decoded === undefined ? 0 : 1;
    if (answer.result === 'Dropped') return { recordId: record.recordId, result: 'Dropped' };
    const data = scratch.subarray(0, answer.dataBytes).toString('base64');
    return answer.result === 'Ok' && metadata
      ? { recordId: record.recordId, result: 'Ok', data, metadata }
      : { recordId: record.recordId, result: answer.result, data };
  });
  return JSON.stringify({ records, sink });
}

/** The clickstream floor: decode each record, nothing parsed. */
export function clickstreamFloor(eventText: string, plan: FloorPlan): string {
  return floorResponse(eventText, plan, (decoded) => decoded);
}

/** The CloudWatch Logs floor: decode, gunzip and JSON.parse each payload, as any reader must. */
export function cloudWatchLogsFloor(eventText: string, plan: FloorPlan): string {
  return floorResponse(eventText, plan, (decoded) => JSON.parse(gunzipSync(decoded).toString('utf8')));
}
