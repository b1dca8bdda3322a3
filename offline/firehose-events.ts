import type { FirehoseTransformationEvent } from 'aws-lambda';

export const streamArn = (name: string) => `arn:aws:firehose:eu-west-1:123456789012:deliverystream/${name}`;

/**
 * A Firehose transformation event carrying `payloads` as its records' data, as Firehose
 * sends it. With `eventBytes`, payloads are repeated (cycling) until the event's JSON text
 * is as close to that size as whole records allow.
 */
export function firehoseEvent(
  deliveryStream: string,
  payloads: readonly (string | Uint8Array)[],
  eventBytes?: number,
): FirehoseTransformationEvent {
  const event: FirehoseTransformationEvent = {
    invocationId: 'a1b2c3d4-0000-4000-8000-000000000000',
    deliveryStreamArn: streamArn(deliveryStream),
    region: 'eu-west-1',
    records: [],
  };
  const encoded = payloads.map((p) => Buffer.from(p).toString('base64'));
  let size = Buffer.byteLength(JSON.stringify(event));
  for (let n = 0; eventBytes !== undefined || n < encoded.length; n++) {
    const record = {
      recordId: `49546986683135544286507457936321625675700192471156785154${String(n).padStart(12, '0')}`,
      approximateArrivalTimestamp: 1795352710000 + n,
      data: encoded[n % encoded.length] as string,
    };
    const recordBytes = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (eventBytes !== undefined && size + recordBytes > eventBytes) break;
    event.records.push(record);
    size += recordBytes;
  }
  return event;
}

/** Firehose's answer to PutRecordBatch when every entry was accepted. */
export const allAccepted = (input: { Records?: unknown[] }) => ({
  FailedPutCount: 0,
  RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `accepted-${i}` })),
});
