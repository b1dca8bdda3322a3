import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import fc from 'fast-check';
import {
  assertFirehoseTransformationEvent,
  countResults,
  droppedResult,
  InvalidFirehoseEventError,
  okResult,
  processingFailedResult,
  serialisedResultBytes,
  transformWithinLimit,
} from '../../../functions/shared/firehose/records';

/** The oracle: what the Lambda runtime will send back to Firehose. */
const responseBytes = (records: FirehoseTransformationResultRecord[]) =>
  Buffer.byteLength(JSON.stringify({ records }));
const id = (n: number) =>
  `49546986683135544286507457936321625675700192471156785154${String(n).padStart(6, '0')}`;

describe('firehose record codec', () => {
  it('encodes Ok data as base64 and attaches partition keys as metadata', () => {
    const result = okResult('r1', '{"a":1}\n', { year: '2026', hour: '07' });

    expect(result).toEqual({
      recordId: 'r1',
      result: 'Ok',
      data: Buffer.from('{"a":1}\n').toString('base64'),
      metadata: { partitionKeys: { year: '2026', hour: '07' } },
    });
  });

  it('returns the original data untouched for ProcessingFailed', () => {
    expect(processingFailedResult({ recordId: 'r2', data: 'AAEC/w==' })).toEqual({
      recordId: 'r2',
      result: 'ProcessingFailed',
      data: 'AAEC/w==',
    });
  });

  it('computes each result size exactly as JSON.stringify serialises it', () => {
    const results: FirehoseTransformationResultRecord[] = [
      okResult(id(1), 'x'.repeat(301)),
      okResult(id(2), 'ü', { logGroup: '/aws/lambda/ümlaut', hour: '01' }),
      droppedResult(id(3)),
      processingFailedResult({ recordId: id(4), data: 'YWJj' }),
      droppedResult('with "quotes" and \\ in id'),
    ];

    for (const result of results) {
      expect(serialisedResultBytes(result)).toBe(Buffer.byteLength(JSON.stringify(result)));
    }
  });

  it('sizes any result exactly as JSON.stringify does, whatever its id and keys hold, record after record', () => {
    const sharedHours = ['12', '13', 'é'].map((hour) =>
      Object.freeze({ partitionKeys: Object.freeze({ year: '2026', hour }) }),
    );
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const keys = fc.dictionary(text, text, { maxKeys: 4 });
    const result = fc.oneof(
      fc
        .tuple(text, fc.string({ maxLength: 40 }), fc.option(keys, { nil: undefined }))
        .map(([recordId, payload, k]) => okResult(recordId, payload, k)),
      text.map((recordId) => droppedResult(recordId)),
      fc
        .tuple(text, fc.base64String({ maxLength: 40 }))
        .map(([recordId, data]) => processingFailedResult({ recordId, data })),
      fc
        .tuple(text, keys)
        .map(([recordId, k]) => ({ ...okResult(recordId, 'x'), metadata: { partitionKeys: k } })),
      // Frozen metadata shared by many records, as the clickstream fast path answers an hour.
      fc
        .tuple(text, fc.constantFrom(...sharedHours))
        .map(([recordId, metadata]) => ({ ...okResult(recordId, 'x'), metadata })),
    );
    // A sequence, since consecutive records share their keys' size when their keys are equal.
    fc.assert(
      fc.property(fc.array(result, { maxLength: 8 }), (results) => {
        for (const r of results) expect(serialisedResultBytes(r)).toBe(Buffer.byteLength(JSON.stringify(r)));
      }),
      { numRuns: 2_000 },
    );
  });

  const records = (n: number, data = 'YWJj') =>
    Array.from({ length: n }, (_, k) => ({ recordId: id(k), data }));

  it('transforms every record when the response fits, and sizes it exactly', () => {
    const input = records(3);
    const transform = jest.fn((r: { recordId: string }) => okResult(r.recordId, 'x'.repeat(50)));

    const bounded = transformWithinLimit(input, transform, 10_000);

    expect(bounded.overflow).toEqual([]);
    expect(transform).toHaveBeenCalledTimes(3);
    expect(bounded.results.map((r) => r.recordId)).toEqual(input.map((r) => r.recordId));
    expect(bounded.responseBytes).toBe(Buffer.byteLength(JSON.stringify({ records: bounded.results })));
  });

  it('answers the records after the first that does not fit Dropped, untransformed, as overflow', () => {
    const input = records(20);
    const transform = jest.fn((r: { recordId: string }) => okResult(r.recordId, 'y'.repeat(400)));
    const limit = Math.floor(responseBytes(input.map((r) => okResult(r.recordId, 'y'.repeat(400)))) / 2);

    const bounded = transformWithinLimit(input, transform, limit);

    expect(bounded.responseBytes).toBeLessThanOrEqual(limit);
    expect(bounded.responseBytes).toBe(Buffer.byteLength(JSON.stringify({ records: bounded.results })));
    expect(bounded.results.map((r) => r.recordId)).toEqual(input.map((r) => r.recordId));
    const firstOverflow = bounded.overflow[0] as number;
    expect(firstOverflow).toBeGreaterThan(0);
    expect(bounded.overflow).toEqual(Array.from({ length: 20 - firstOverflow }, (_, k) => firstOverflow + k));
    expect(bounded.overflow.every((i) => bounded.results[i]?.result === 'Dropped')).toBe(true);
    expect(transform).toHaveBeenCalledTimes(firstOverflow + 1);
  });

  it('keeps room for a Dropped answer to every record, even when one record alone is too big', () => {
    const input = records(5);
    const huge = (r: { recordId: string }) => okResult(r.recordId, 'z'.repeat(2_000));

    const bounded = transformWithinLimit(input, huge, 1_000);

    expect(bounded.overflow).toEqual([0, 1, 2, 3, 4]);
    expect(bounded.responseBytes).toBe(Buffer.byteLength(JSON.stringify({ records: bounded.results })));
    expect(bounded.responseBytes).toBeLessThanOrEqual(1_000);
  });

  it('sizes an empty response', () => {
    expect(transformWithinLimit([], () => droppedResult('x')).responseBytes).toBe('{"records":[]}'.length);
  });

  it('refuses a limit that even an all-Dropped response cannot meet', () => {
    expect(() => transformWithinLimit(records(3), (r) => droppedResult(r.recordId), 20)).toThrow(RangeError);
  });

  it('counts results by outcome', () => {
    expect(
      countResults([
        okResult('a', 'x'),
        droppedResult('b'),
        processingFailedResult({ recordId: 'c', data: '' }),
      ]),
    ).toEqual({ ok: 1, dropped: 1, processingFailed: 1 });
  });

  it.each([
    [null, 'not an object'],
    [{ deliveryStreamArn: 42, records: [] }, 'deliveryStreamArn is not a string'],
    [
      { Records: [{ eventSource: 'aws:s3' }] },
      'this is an event from aws:s3 (Records), not a Firehose transformation event',
    ],
    [{ 'detail-type': 'Object Created', detail: {} }, 'an EventBridge event (Object Created)'],
    [{ deliveryStreamArn: 'arn', records: 'x' }, 'event.records'],
    [{ deliveryStreamArn: 'arn', records: [{ recordId: 'a' }] }, 'event.records[0]'],
  ])('rejects the malformed event %j with a named error', (event, message) => {
    expect(() => assertFirehoseTransformationEvent(event)).toThrow(InvalidFirehoseEventError);
    expect(() => assertFirehoseTransformationEvent(event)).toThrow(message);
  });
});
