/** A Firehose transformation answer, as far as the digest reads it. */
interface TransformationAnswer {
  records: { recordId: string; result: string; data?: string }[];
}

function isTransformationAnswer(value: unknown): value is TransformationAnswer {
  const records = (value as { records?: unknown } | null)?.records;
  return (
    Array.isArray(records) &&
    records.every((r) => typeof r?.recordId === 'string' && typeof r?.result === 'string')
  );
}

/** The `firstRejections` of the transform's summary line, by record id. */
function rejectionReasons(logLines: readonly string[]): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const line of logLines) {
    try {
      const parsed = JSON.parse(line) as { firstRejections?: { recordId: string; reason: string }[] };
      for (const r of parsed.firstRejections ?? []) reasons.set(r.recordId, r.reason);
    } catch {
      // Not a JSON log line.
    }
  }
  return reasons;
}

const decoded = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

/**
 * What a person wants to see of a handler's answer: for a Firehose transformation, the count of
 * each result kind, the first Ok records decoded, and each ProcessingFailed record with the
 * reason the summary line gives; for anything else, nothing (the JSON answer says it all).
 */
export function digestOf(result: unknown, logLines: readonly string[], okShown = 3): string[] {
  if (!isTransformationAnswer(result)) return [];
  const counts = new Map<string, number>();
  for (const r of result.records) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  const reasons = rejectionReasons(logLines);
  const lines = [
    `Firehose results: ${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'no records'}`,
  ];
  for (const r of result.records.filter((x) => x.result === 'Ok').slice(0, okShown))
    lines.push(`  Ok ${r.recordId}: ${decoded(r.data).trimEnd()}`);
  for (const r of result.records.filter((x) => x.result === 'ProcessingFailed')) {
    const original = JSON.stringify(decoded(r.data).slice(0, 200));
    lines.push(
      `  ProcessingFailed ${r.recordId}: ${reasons.get(r.recordId) ?? '(reason beyond the first few logged)'}; original bytes ${original}`,
    );
  }
  return lines;
}
