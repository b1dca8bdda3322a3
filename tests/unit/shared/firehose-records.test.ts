import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import {
  assertFirehoseTransformationEvent,
  countResults,
  droppedResult,
  fitResponse,
  InvalidFirehoseEventError,
  okResult,
  processingFailedResult,
  serialisedResponseBytes,
  serialisedResultBytes,
} from '../../../functions/shared/firehose-records';

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
    expect(serialisedResponseBytes(results)).toBe(Buffer.byteLength(JSON.stringify({ records: results })));
    expect(serialisedResponseBytes([])).toBe(Buffer.byteLength(JSON.stringify({ records: [] })));
  });

  it('leaves a response that fits unchanged', () => {
    const results = [okResult(id(1), 'a'), droppedResult(id(2))];

    const fitted = fitResponse(results, 10_000);

    expect(fitted.overflow).toEqual([]);
    expect(fitted.response.records).toEqual(results);
    expect(fitted.responseBytes).toBe(Buffer.byteLength(JSON.stringify(fitted.response)));
  });

  it('turns the last Ok results into Dropped overflow until the response fits, keeping order and ids', () => {
    const results = Array.from({ length: 20 }, (_, n) =>
      n === 3 ? processingFailedResult({ recordId: id(n), data: 'YWJj' }) : okResult(id(n), 'y'.repeat(400)),
    );
    const limit = Math.floor(serialisedResponseBytes(results) / 2);

    const fitted = fitResponse(results, limit);

    expect(fitted.responseBytes).toBeLessThanOrEqual(limit);
    expect(fitted.responseBytes).toBe(Buffer.byteLength(JSON.stringify(fitted.response)));
    expect(fitted.response.records.map((r) => r.recordId)).toEqual(results.map((r) => r.recordId));
    expect(fitted.overflow.length).toBeGreaterThan(0);
    expect(fitted.overflow).toEqual([...fitted.overflow].sort((a, b) => a - b));
    expect(fitted.overflow.every((index) => results[index]?.result === 'Ok')).toBe(true);
    expect(fitted.overflow.every((index) => fitted.response.records[index]?.result === 'Dropped')).toBe(true);
    expect(fitted.overflow).toEqual(
      Array.from({ length: fitted.overflow.length }, (_, k) => 20 - fitted.overflow.length + k),
    );
  });

  it('overflows ProcessingFailed results too when Ok ones are not enough', () => {
    const results = [
      okResult(id(0), 'a'),
      processingFailedResult({ recordId: id(1), data: 'Q'.repeat(4000) }),
      processingFailedResult({ recordId: id(2), data: 'Q'.repeat(4000) }),
    ];

    const fitted = fitResponse(results, 5_000);

    expect(fitted.responseBytes).toBeLessThanOrEqual(5_000);
    expect(fitted.overflow).toEqual([0, 2]);
  });

  it('refuses a limit that even an all-Dropped response cannot meet', () => {
    expect(() => fitResponse([okResult(id(1), 'a')], 20)).toThrow(RangeError);
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
    [{ records: [] }, 'deliveryStreamArn'],
    [{ deliveryStreamArn: 'arn', records: 'x' }, 'event.records'],
    [{ deliveryStreamArn: 'arn', records: [{ recordId: 'a' }] }, 'event.records[0]'],
  ])('rejects the malformed event %j with a named error', (event, message) => {
    expect(() => assertFirehoseTransformationEvent(event)).toThrow(InvalidFirehoseEventError);
    expect(() => assertFirehoseTransformationEvent(event)).toThrow(message);
  });
});
