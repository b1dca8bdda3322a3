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

  it('drops the UTF-8 byte-order mark of an Excel "CSV UTF-8" export, so the first column keeps its name', async () => {
    const excel = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('event_id,action\r\ne1,login\r\n'),
    ]);

    for (const size of [1, 2, 64]) {
      expect((await addCustomer(excel, 'acme', size)).text).toBe(
        'customer,event_id,action\r\nacme,e1,login\r\n',
      );
    }
  });

  it('reads rows of an export whose lines end in a bare CR, and ends them in LF', async () => {
    for (const size of [1, 5, 64]) {
      const { text, stats } = await addCustomer('event_id,note\re1,"two\rlines"\re2,x\r', 'acme', size);

      expect(text).toBe('customer,event_id,note\nacme,e1,"two\rlines"\nacme,e2,x\n');
      expect(stats.rows).toBe(2);
    }
    expect((await addCustomer('a,b\r1,2')).text).toBe('customer,a,b\nacme,1,2');
  });

  it("renames an export's own customer column to source_customer, keeping its values", async () => {
    const { text } = await addCustomer('event_id,"Customer",action\ne1,end-user-7,login\n', 'reseller', 3);

    expect(text).toBe('customer,event_id,source_customer,action\nreseller,e1,end-user-7,login\n');
    await expect(addCustomer('customer,source_customer\n1,2\n')).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: `${ACME}: row 1: the header has both a customer and a source_customer column`,
    });
  });

  it.each([
    [
      'UTF-16 LE with its byte-order mark',
      Buffer.from('\ufeffevent_id,action\r\ne1,login\r\n', 'utf16le'),
      'row 1: starts with a UTF-16 byte-order mark',
    ],
    [
      'UTF-16 BE with its byte-order mark',
      Buffer.from('\ufeffa\n', 'utf16le').swap16(),
      'row 1: starts with a UTF-16 byte-order mark',
    ],
    [
      'UTF-16 without a byte-order mark',
      Buffer.from('event_id,action\r\ne1,login\r\n', 'utf16le'),
      'row 1: the header holds NUL bytes: this is UTF-16 without a byte-order mark',
    ],
    [
      'Windows-1252 (é as 0xE9)',
      Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      'row 2: byte 9 is not UTF-8',
    ],
    [
      'a UTF-8 sequence cut off at the end',
      Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from('é').subarray(0, 1)]),
      'row 2: byte 6 is not UTF-8',
    ],
  ])('fails %s by CsvEncodingError, never reading it as UTF-8', async (_name, bytes, message) => {
    for (const size of [1, 7, 64]) {
      await expect(addCustomer(bytes, 'acme', size)).rejects.toMatchObject({
        name: 'CsvEncodingError',
        message: expect.stringContaining(`${ACME}: ${message}`),
      });
    }
  });

  it('keeps UTF-8 characters whose bytes straddle chunks', async () => {
    const text = 'name,city\nZoë,Kraków 🏔\n';

    expect((await addCustomer(text, 'acme', 1)).text).toBe(`customer,name,city\nacme,Zoë,Kraków 🏔\n`);
  });

  it('fails a header that never ends (a quote left open) by name once it passes 64 KiB, holding no more', async () => {
    const open = `a,"b${'x'.repeat(70 * 1024)}\n1,2\n`;

    await expect(addCustomer(open, 'acme', 4096)).rejects.toMatchObject({
      name: 'MalformedCsvError',
      message: `${ACME}: row 1: the header is longer than 64 KiB (is a quote never closed?)`,
    });
  });

  /** The most the stream retains (JS heap and Buffers, collected before each sample) while `chunks` are read. */
  async function peakRetained(column: CustomerColumn, chunks: number, chunk: (n: number) => string) {
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
    const source = new Readable({
      read() {
        // Sampled as the file is read, whatever the consumer does with its chunks.
        if (sent % 50 === 0) peak = Math.max(peak, used() - baseline);
        if (sent === chunks) return this.push(null);
        this.push(chunk(sent++));
      },
    });
    let bytesOut = 0;
    const done = pipeline(source, column, async (out: AsyncIterable<Buffer>) => {
      for await (const piece of out) bytesOut += piece.byteLength;
    });
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    return { peak, bytesOut, error };
  }

  it('keeps memory flat on a 50 MB file: only the header is held', async () => {
    const row = 'e0000000,2026-11-22T13:05:09Z,alice@example.com,"GET ""/api/orders"", page 2",200,OK\n';
    const perChunk = 800;
    const chunks = Math.ceil((50 * 1024 * 1024) / (row.length * perChunk));
    const column = new CustomerColumn('acme', 'big.csv');

    const { peak, bytesOut, error } = await peakRetained(column, chunks, () => row.repeat(perChunk));

    expect(error).toBeUndefined();
    const rows = chunks * perChunk;
    expect(column.stats.bytesIn).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    expect(bytesOut).toBe(column.stats.bytesIn + (rows - 1) * 'acme,'.length + 'customer,'.length);
    // Buffering the file would retain > 50 MB; the stream holds a chunk or two (the bound leaves
    // room for what other test files in the same worker free or allocate meanwhile).
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);

  it('keeps memory flat on a 50 MB file whose quote never closes, then fails it by name', async () => {
    const header = 'event_id,note\n';
    const filler = 'x'.repeat(64 * 1024);
    const chunks = 800;
    const column = new CustomerColumn('acme', 'open-quote.csv');

    const { peak, error } = await peakRetained(column, chunks, (n) =>
      n === 0 ? `${header}e1,"${filler}` : filler,
    );

    expect(error).toMatchObject({
      name: 'MalformedCsvError',
      message: 'open-quote.csv: row 2: a quoted field is never closed',
    });
    expect(column.stats.bytesIn).toBeGreaterThan(50 * 1024 * 1024);
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);
});
