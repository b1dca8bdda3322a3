import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CustomerColumn, csvField } from '../../../functions/audit-log-aggregator/customer-column';

/** Runs `text`, cut into `chunkSize`-byte chunks (so rows and quotes straddle chunks), through the column. */
async function addCustomer(text: string | Buffer, customer = 'acme', chunkSize = 7) {
  const input = Buffer.from(text);
  const chunks = Array.from({ length: Math.ceil(input.byteLength / chunkSize) }, (_, i) =>
    input.subarray(i * chunkSize, (i + 1) * chunkSize),
  );
  const column = new CustomerColumn(customer, 's3://wau-acme/audit/2026-11-22.csv');
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), column, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk as Buffer);
  });
  return { text: Buffer.concat(out).toString('utf8'), stats: column.stats };
}

describe('customer column', () => {
  it('adds the column to the header and every row, leaving the rest byte for byte', async () => {
    const { text, stats } = await addCustomer('event_id,user,action\ne1,alice,login\r\ne2,bob,logout\n');

    expect(text).toBe('customer,event_id,user,action\nacme,e1,alice,login\r\nacme,e2,bob,logout\n');
    expect(stats.rows).toBe(2);
  });

  it('keeps quoted fields with commas, escaped quotes and line breaks, across chunk boundaries', async () => {
    const csv = 'event_id,detail\ne1,"said ""hi"", then left"\ne2,"two\nlines"\ne3,plain\n';

    for (const size of [1, 2, 3, 5, 64]) {
      const { text, stats } = await addCustomer(csv, 'acme', size);
      expect(text).toBe(
        `customer,event_id,detail\nacme,e1,"said ""hi"", then left"\nacme,e2,"two\nlines"\nacme,e3,plain\n`,
      );
      expect(stats.rows).toBe(3);
    }
  });

  it('quotes a customer name that needs it', async () => {
    expect((await addCustomer('a\n1\n', 'Acme, Inc. "EU"')).text).toBe('customer,a\n"Acme, Inc. ""EU""",1\n');
    expect(csvField('plain')).toBe('plain');
  });

  it('handles a last row without a line break, a header-only file and an empty file', async () => {
    expect((await addCustomer('a,b\n1,2')).text).toBe('customer,a,b\nacme,1,2');
    expect(await addCustomer('a,b\n')).toMatchObject({ text: 'customer,a,b\n', stats: { rows: 0 } });
    expect(await addCustomer('')).toMatchObject({ text: '', stats: { rows: 0 } });
  });

  it.each([
    ['an unterminated quote', 'a,b\n1,"never closed\n', 'row 2: a quoted field is never closed'],
    ['a ragged row', 'a,b,c\n1,2,3\n4,5\n', 'row 3: 2 fields where the header has 3'],
    ['a quote inside an unquoted field', 'a,b\n1,x"y\n', 'row 2: a quote inside an unquoted field'],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'row 2: text after a closing quote'],
    ['an empty line inside the file', 'a,b\n1,2\n\n3,4\n', 'row 4: an empty line inside the file'],
  ])('fails on %s with a named error that says where', async (_name, csv, message) => {
    await expect(addCustomer(csv)).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: `s3://wau-acme/audit/2026-11-22.csv: ${message}`,
    });
  });

  it('keeps memory flat on a 50 MB file: only the current row is buffered', async () => {
    const row = 'e0000000,2026-11-22T13:05:09Z,alice@example.com,"GET ""/api/orders"", page 2",200,OK\n';
    const rows = Math.ceil((50 * 1024 * 1024) / row.length);
    // What the stream retains, not garbage not yet collected: collect before each sample, and
    // count Buffers (outside the JS heap) too.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const used = () => {
      gc();
      const memory = process.memoryUsage();
      return memory.heapUsed + memory.arrayBuffers;
    };
    const baseline = used();
    let peak = 0;
    let sent = 0;
    let batches = 0;
    const source = new Readable({
      read() {
        // Sampled as the file is read, whatever the consumer does with its chunks.
        if (++batches % 50 === 0) peak = Math.max(peak, used() - baseline);
        const batch = Math.min(800, rows - sent);
        if (batch === 0) return this.push(null);
        sent += batch;
        this.push(row.repeat(batch));
      },
    });
    const column = new CustomerColumn('acme', 'big.csv');
    let bytesOut = 0;

    await pipeline(source, column, async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) bytesOut += chunk.byteLength;
    });

    expect(column.stats.bytesIn).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    expect(bytesOut).toBe(column.stats.bytesIn + (rows - 1) * 'acme,'.length + 'customer,'.length);
    expect(batches).toBeGreaterThan(500);
    // Buffering the file would retain > 50 MB; the stream holds a row and a chunk or two (the
    // bound leaves room for what other test files in the same worker free or allocate meanwhile).
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 60_000);
});
