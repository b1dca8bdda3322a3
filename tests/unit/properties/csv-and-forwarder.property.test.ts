import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { CustomerColumn, MalformedCsvError } from '../../../functions/audit-log-aggregator/customer-column';
import { loadEvent } from '../../../offline/fixtures';
import { functionEnvironment } from '../../../offline/function-environment';
import { lambdaContext } from '../../../offline/lambda-context';

// A fixed seed keeps CI reproducible; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122) });

Object.assign(process.env, functionEnvironment('DynamoDbStreamForwarderFunction'));
const forwarder = (
  require('../../../functions/dynamodb-stream-forwarder/index') as typeof import('../../../functions/dynamodb-stream-forwarder/index')
).handler as (event: unknown, context: unknown) => Promise<DynamoDBBatchResponse>;
const firehose = mockClient(FirehoseClient);

/** An RFC 4180 reader, written apart from the code under test, to check what it writes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const csvField = (value: string) =>
  /[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;

async function addCustomer(input: Buffer, chunk: number): Promise<string> {
  const chunks = Array.from({ length: Math.ceil(input.byteLength / chunk) }, (_, i) =>
    input.subarray(i * chunk, (i + 1) * chunk),
  );
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new CustomerColumn('acme', 's3://b/k.csv'),
    async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) out.push(piece);
    },
  );
  return Buffer.concat(out).toString('utf8');
}

describe('CSV customer column properties', () => {
  it('adds the customer to every row of any well-formed CSV, whatever the chunking, and changes no field', async () => {
    const table = fc
      .integer({ min: 1, max: 5 })
      .chain((width) =>
        fc.array(
          fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: width, maxLength: width }),
          { minLength: 1, maxLength: 12 },
        ),
      );
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom('\n', '\r\n'),
        async (rows, chunk, eol) => {
          const text = `${rows.map((r) => r.map(csvField).join(',')).join(eol)}${eol}`;

          const parsed = readCsv(await addCustomer(Buffer.from(text), chunk));

          expect(parsed).toEqual(rows.map((r, i) => [i === 0 ? 'customer' : 'acme', ...r]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never writes a row with another number of columns than the header: any bytes fail by name or stay square', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 1, max: 32 }),
        async (text, chunk) => {
          let out: string;
          try {
            out = await addCustomer(Buffer.from(text), chunk);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedCsvError);
            return;
          }
          const rows = readCsv(out).filter((r) => !(r.length === 1 && r[0] === ''));
          expect(new Set(rows.map((r) => r.length)).size).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('DynamoDB forwarder properties', () => {
  const template = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-forwarder', 'insert-modify-remove')
    .Records[1] as DynamoDBRecord;
  const changes = (count: number): DynamoDBStreamEvent => ({
    Records: Array.from({ length: count }, (_, n) => {
      const record = JSON.parse(JSON.stringify(template)) as DynamoDBRecord;
      (record.dynamodb as NonNullable<DynamoDBRecord['dynamodb']>).SequenceNumber =
        `5${String(n).padStart(20, '0')}`;
      record.eventID = `evt-${n}`;
      return record;
    }),
  });

  it('for any pattern of rejected entries, delivers each change at most once and reports every change it did not deliver', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.infiniteStream(fc.boolean()),
        async (count, rejections) => {
          firehose.reset();
          const delivered: string[] = [];
          firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
            const responses = (input.Records ?? []).map((r) => {
              if (rejections.next().value)
                return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
              for (const line of Buffer.from(r.Data as Uint8Array)
                .toString('utf8')
                .split('\n')
                .filter(Boolean)) {
                delivered.push(JSON.parse(line).eventID);
              }
              return { RecordId: 'r' };
            });
            return {
              FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
              RequestResponses: responses,
            };
          });
          const event = changes(count);

          // When nothing at all is delivered, Powertools fails the invocation: Lambda retries the
          // whole batch, which reports every change.
          const everything = event.Records.map((r) => ({
            itemIdentifier: r.dynamodb?.SequenceNumber as string,
          }));
          const { batchItemFailures } = await forwarder(
            event,
            lambdaContext('DynamoDbStreamForwarderFunction'),
          ).catch((error: Error) => {
            expect(error.name).toBe('FullBatchFailureError');
            return { batchItemFailures: everything };
          });

          const reported = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          expect(new Set(delivered).size).toBe(delivered.length);
          for (const record of event.Records) {
            const id = record.eventID as string;
            expect(delivered.includes(id) || reported.has(record.dynamodb?.SequenceNumber as string)).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
