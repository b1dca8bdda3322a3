/**
 * A producer shaped like the Kinesis Agent with `aggregatedRecordSizeBytes` set (README,
 * "Sending access logs"): it reads whole lines, newline included, and puts as many into one
 * Firehose record as fit in that size; a line longer than the size goes alone.
 */
export function agentRecords(lines: readonly string[], aggregatedRecordSizeBytes: number): Buffer[] {
  const records: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    if (size > 0 && size + bytes.length > aggregatedRecordSizeBytes) {
      records.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(bytes);
    size += bytes.length;
  }
  if (size > 0) records.push(Buffer.concat(current));
  return records;
}
