import { gzipSync } from 'node:zlib';
import { clickstreamFloor, cloudWatchLogsFloor, floorPlan } from '../../bench/floor';

// The floor must emit what the transform emitted, byte for byte in size, or the ratio means nothing.
const b64 = (text: string) => Buffer.from(text).toString('base64');
const event = (datas: string[]) =>
  JSON.stringify({ records: datas.map((data, i) => ({ recordId: `r${i}`, data })) });
const response = JSON.stringify({
  records: [
    { recordId: 'r0', result: 'Ok', data: b64('{"a":1}\n'), metadata: { partitionKeys: { year: '2026' } } },
    { recordId: 'r1', result: 'ProcessingFailed', data: b64('bad line') },
    { recordId: 'r2', result: 'Dropped' },
  ],
});

describe('the Node floor of a transform', () => {
  it('answers every record with the same result and the same data size as the transform did', () => {
    const plan = floorPlan(response);
    const answered = JSON.parse(clickstreamFloor(event([b64('x'), b64('y'), b64('z')]), plan)) as {
      records: { recordId: string; result: string; data?: string; metadata?: unknown }[];
    };
    expect(
      answered.records.map((r) => [r.recordId, r.result, Buffer.byteLength(r.data ?? '', 'base64')]),
    ).toEqual([
      ['r0', 'Ok', 8],
      ['r1', 'ProcessingFailed', 8],
      ['r2', 'Dropped', 0],
    ]);
    expect(answered.records[0]?.metadata).toEqual({ partitionKeys: { year: '2026' } });
  });

  it('pays for gunzip and JSON.parse of each CloudWatch Logs payload, and fails on one that is not', () => {
    const payload = gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [] })).toString(
      'base64',
    );
    const plan = floorPlan(response);
    expect(() => cloudWatchLogsFloor(event([payload, payload, payload]), plan)).not.toThrow();
    expect(() => cloudWatchLogsFloor(event([b64('not gzip'), payload, payload]), plan)).toThrow();
  });
});
