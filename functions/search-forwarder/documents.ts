/**
 * What the search forwarder reads and sends, with no AWS I/O: which raw-zone object an SQS
 * message names, and that object's lines as search documents.
 */

/** The S3 object an EventBridge "Object Created" event names, as the forward queue holds it. */
export interface ForwardedObject {
  readonly bucket: string;
  readonly key: string;
}

export class NotAnObjectCreatedEventError extends Error {
  override readonly name = 'NotAnObjectCreatedEventError';
}

/**
 * The bucket and key of an EventBridge S3 "Object Created" event (the body EventBridge puts on
 * the queue), refusing anything else by what it lacks. Event shape:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export function objectOfEvent(body: string, expectedBucket: string): ForwardedObject {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new NotAnObjectCreatedEventError('the message body is not JSON');
  }
  const { source, 'detail-type': detailType, detail } = (event ?? {}) as Record<string, unknown>;
  if (source !== 'aws.s3' || detailType !== 'Object Created')
    throw new NotAnObjectCreatedEventError(
      `not an S3 Object Created event (source ${JSON.stringify(source)}, detail-type ${JSON.stringify(detailType)})`,
    );
  const bucket = (detail as { bucket?: { name?: unknown } } | undefined)?.bucket?.name;
  const key = (detail as { object?: { key?: unknown } } | undefined)?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string' || key === '')
    throw new NotAnObjectCreatedEventError('the event names no detail.bucket.name and detail.object.key');
  if (bucket !== expectedBucket)
    throw new NotAnObjectCreatedEventError(`bucket ${bucket} is not the raw zone (${expectedBucket})`);
  if (!key.startsWith('clickstream/'))
    throw new NotAnObjectCreatedEventError(`${key} is not a clickstream object`);
  return { bucket, key };
}

/**
 * The documents of one raw-zone object: each line the transform wrote is one JSON document,
 * sent without its newline (Firehose indexes a record's data as one document). Views into the
 * object, not copies.
 */
export function documentsOf(object: Buffer): Buffer[] {
  const documents: Buffer[] = [];
  let start = 0;
  while (start < object.length) {
    let end = object.indexOf(10, start);
    if (end < 0) end = object.length;
    let last = end;
    if (last > start && object[last - 1] === 13) last--;
    if (last > start) documents.push(object.subarray(start, last));
    start = end + 1;
  }
  return documents;
}
