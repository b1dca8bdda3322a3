import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  changeLine,
  packLines,
  plainImage,
  tableFromStreamArn,
} from '../../../functions/dynamodb-stream-forwarder/changes';
import { loadEvent } from '../../../offline/fixtures';

const batch = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-forwarder', 'insert-modify-remove');

describe('dynamodb change lines', () => {
  it('turns a MODIFY into a line with keys, plain new and old images, time and sequence', () => {
    const line = changeLine(batch.Records[1] as DynamoDBRecord);

    expect(line).toEqual({
      eventName: 'MODIFY',
      eventID: 'c81e728d9d4c2f636f067f89cc148622',
      table: 'loglake-dev-orders',
      keys: { pk: 'CUSTOMER#c-107', sk: 'ORDER#o-1842' },
      newImage: expect.objectContaining({
        status: 'PAID',
        paidAt: '2026-11-22T13:05:12Z',
        receipt: 'UEsDBBQAAAAIAA==',
      }),
      oldImage: expect.objectContaining({ status: 'PLACED' }),
      approximateCreationTime: '2026-11-22T13:05:11.000Z',
      sequenceNumber: '410090000000000183942270002',
    });
  });

  it('gives INSERT no old image and REMOVE no new image', () => {
    expect(changeLine(batch.Records[0] as DynamoDBRecord)).toMatchObject({
      eventName: 'INSERT',
      oldImage: null,
    });
    expect(changeLine(batch.Records[2] as DynamoDBRecord)).toMatchObject({
      eventName: 'REMOVE',
      newImage: null,
    });
  });

  it('unmarshals every attribute type to plain JSON without losing precision', () => {
    expect(
      plainImage({
        s: { S: 'text' },
        n: { N: '59.9' },
        big: { N: '123456789012345678901234567890' },
        padded: { N: '1.50' },
        bool: { BOOL: false },
        nul: { NULL: true },
        bin: { B: 'AAEC' },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '99999999999999999999'] },
        bs: { BS: ['AA=='] },
        list: { L: [{ S: 'x' }, { N: '2' }] },
        map: { M: { inner: { M: { deep: { BOOL: true } } } } },
      }),
    ).toEqual({
      s: 'text',
      n: 59.9,
      big: '123456789012345678901234567890',
      padded: '1.50',
      bool: false,
      nul: null,
      bin: 'AAEC',
      ss: ['a', 'b'],
      ns: [1, '99999999999999999999'],
      bs: ['AA=='],
      list: ['x', 2],
      map: { inner: { deep: true } },
    });
  });

  it('rejects a record it cannot read with a named error', () => {
    expect(() => changeLine({ eventName: 'INSERT', dynamodb: {} } as DynamoDBRecord)).toThrow(
      expect.objectContaining({ name: 'InvalidStreamRecordError' }),
    );
    expect(() => tableFromStreamArn('arn:aws:sqs:eu-west-1:123456789012:q')).toThrow(
      'not a DynamoDB stream ARN',
    );
  });
});

describe('packing lines into Firehose records', () => {
  const line = (bytes: number) => Buffer.alloc(bytes, 'a');

  it('fills records up to the limit, in order, and names the lines too big for any record', () => {
    const packed = packLines([line(40), line(40), line(30), undefined, line(101), line(100)], 100);

    expect(packed.records.map((r) => r.sources)).toEqual([[0, 1], [2], [5]]);
    expect(packed.records.map((r) => r.data.byteLength)).toEqual([80, 30, 100]);
    expect(packed.oversized).toEqual([4]);
  });
});
