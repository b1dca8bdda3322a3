import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CustomerColumn } from '../functions/audit-log-aggregator/customer-column';
import { MiB, median } from './stats';

const ROW = 'e0000000,2026-11-22T13:05:09Z,alice@example.com,"GET ""/api/orders"", page 2",200,OK\n';
const CHUNK = 64 * 1024;

/** A `size`-byte export in S3-sized chunks: well-formed rows, or a quote opened in row 2 and never closed. */
function exportOf(size: number, openQuote: boolean): Readable {
  const header = 'event_id,event_time,user,request,status,result\n';
  const rows = Buffer.from(ROW.repeat(Math.floor(CHUNK / ROW.length)));
  const open = Buffer.from(`${header}e1,t,u,"never closed `);
  // Inside the open quote: text with commas and line breaks but no quote, to the end of the file.
  const quoted = Buffer.from('x, y\n'.repeat(CHUNK / 5));
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const body = openQuote ? quoted : rows;
      const chunk = sent === 0 ? Buffer.concat([openQuote ? open : Buffer.from(header), body]) : body;
      sent += chunk.byteLength;
      this.push(chunk);
    },
  });
}

/** Median seconds to copy a `size`-byte export through the customer column (a failure counts: it is the work). */
export async function customerColumnSeconds(size: number, openQuote: boolean, reps: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = process.hrtime.bigint();
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await pipeline(exportOf(size, openQuote), new CustomerColumn('acme', 'bench.csv'), sink).catch(
      (error) => {
        if (!openQuote) throw error;
      },
    );
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return median(times);
}

export const csvSizes = (smoke: boolean) => (smoke ? [1 * MiB, 2 * MiB] : [32 * MiB, 64 * MiB]);
