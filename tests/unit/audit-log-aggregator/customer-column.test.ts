import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CustomerColumn } from '../../../functions/audit-log-aggregator/customer-column';
import { loadEvent } from '../../../offline/fixtures';

const { files } = loadEvent<{ files: Record<string, string> }>('audit-log-aggregator', 'source-files');
const file = (uri: string) => {
  const text = files[uri];
  if (text === undefined) throw new Error(`events/audit-log-aggregator/source-files.json has no ${uri}`);
  return text;
};
const ACME = 's3://wau-acme-audit/exports/2026-11-22/audit-000.csv';

/** Runs `text`, cut into `chunkSize`-byte chunks (so rows and quotes straddle chunks), through the column. */
async function addCustomer(text: string | Buffer, customer = 'acme', chunkSize = 7, source = ACME) {
  const input = Buffer.from(text);
  const chunks = Array.from({ length: Math.ceil(input.byteLength / chunkSize) }, (_, i) =>
    input.subarray(i * chunkSize, (i + 1) * chunkSize),
  );
  const column = new CustomerColumn(customer, source);
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), column, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk as Buffer);
  });
  return { text: Buffer.concat(out).toString('utf8'), stats: column.stats };
}

describe('customer column', () => {
  it('adds the column to the header and every row of an export, leaving every other byte as it was', async () => {
    const acme = file(ACME);

    for (const size of [1, 3, 7, 64, 4096]) {
      const { text, stats } = await addCustomer(acme, 'acme', size);

      const lines = acme.split('\r\n');
      expect(text).toBe(
        lines.map((line, i) => (line === '' ? '' : `${i === 0 ? 'customer' : 'acme'},${line}`)).join('\r\n'),
      );
      expect(stats).toEqual({ rows: 4, bytesIn: Buffer.byteLength(acme), bytesOut: Buffer.byteLength(text) });
    }
  });

  it('keeps quoted commas, escaped quotes and a quoted line break inside their row', async () => {
    const { text } = await addCustomer(file(ACME), 'acme', 5);

    expect(text).toContain(
      'acme,7f1c2e90-0002,2026-11-22T13:06:41Z,2026-11-22,bob@acme.example,export,"/reports/q3, final.xlsx",',
    );
    expect(text).toContain('"/users/carol?note=""night shift"""');
    expect(text).toContain(
      'acme,7f1c2e90-0004,2026-11-22T13:09:30Z,2026-11-22,dave@acme.example,comment,"/tickets/42 said:\nplease reset my token"',
    );
  });

  it('quotes a customer name that needs it', async () => {
    const globex = file('s3://wau-globex-audit/2026/11/22/audit.csv');

    const { text } = await addCustomer(globex, 'Globex, Inc. "EU"');

    expect(text.split('\n')[1]).toBe(
      '"Globex, Inc. ""EU""",c0ffee00-0001,2026-11-22T13:11:00Z,2026-11-22,ops@globex.example,login,/console,192.0.2.44,SUCCESS',
    );
  });

  it('handles a header-only export, an empty export and a last row without a line break', async () => {
    const header = file('s3://wau-initech-audit/2026-11-22/header-only.csv');

    expect(await addCustomer(header)).toMatchObject({ text: `customer,${header}`, stats: { rows: 0 } });
    expect(await addCustomer(file('s3://wau-umbrella-audit/2026-11-22/empty.csv'))).toMatchObject({
      text: '',
      stats: { rows: 0 },
    });
    expect((await addCustomer('a,b\n1,2')).text).toBe('customer,a,b\nacme,1,2');
  });

  it.each([
    [
      'an unterminated quote',
      's3://wau-hooli-audit/2026-11-22/unterminated-quote.csv',
      'row 2: a quoted field is never closed',
    ],
    ['a ragged row', 's3://wau-hooli-audit/2026-11-22/ragged.csv', 'row 3: 5 fields where the header has 8'],
  ])('fails an export with %s by a named error that says which file and row', async (_name, uri, message) => {
    await expect(addCustomer(file(uri), 'hooli', 7, uri)).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: `${uri}: ${message}`,
    });
  });

  it.each([
    ['a quote inside an unquoted field', 'a,b\n1,x"y\n', 'row 2: a quote inside an unquoted field'],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'row 2: text after a closing quote'],
    ['an empty line inside the file', 'a,b\n1,2\n\n3,4\n', 'row 4: an empty line inside the file'],
  ])('fails on %s', async (_name, csv, message) => {
    await expect(addCustomer(csv)).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: `${ACME}: ${message}`,
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
