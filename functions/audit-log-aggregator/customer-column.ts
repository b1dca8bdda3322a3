import { Transform, type TransformCallback } from 'node:stream';
import { csvField } from '../shared/csv';

/**
 * Streams a CSV file (RFC 4180: quoted fields may hold commas, quotes and line breaks) and
 * prepends a `customer` column to the header and to every row, leaving every other byte as
 * it was. Memory stays flat with file size: only the current, unfinished row is buffered.
 * Malformed input (an unterminated quote, a row with another number of fields than the
 * header) fails the stream with MalformedCsvError: a shortened file is never written.
 */

export class MalformedCsvError extends Error {
  override readonly name = 'MalformedCsvError';
}

export interface CsvStats {
  /** Data rows, header excluded. */
  rows: number;
  bytesIn: number;
  bytesOut: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export class CustomerColumn extends Transform {
  readonly stats: CsvStats = { rows: 0, bytesIn: 0, bytesOut: 0 };
  private readonly prefix: Buffer;
  private pending: Buffer = Buffer.alloc(0);
  private inQuotes = false;
  /** Whether the previous byte closed a quoted section (so a following quote is an escaped one). */
  private lastWasQuote = false;
  private fields = 1;
  private headerFields: number | undefined;
  private pendingBlank = false;
  /** The row being read: 1 is the header (a quoted line break does not end a row). */
  private line = 1;

  constructor(
    customer: string,
    private readonly source: string,
  ) {
    super();
    this.prefix = Buffer.from(`${csvField(customer)},`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.bytesIn += chunk.byteLength;
    const data = this.pending.byteLength > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let rowStart = 0;
    // Resume scanning where the buffered partial row stopped.
    for (let i = this.pending.byteLength; i < data.byteLength; i++) {
      const byte = data[i];
      if (this.inQuotes) {
        if (byte === QUOTE) {
          this.inQuotes = false;
          this.lastWasQuote = true;
        }
        continue;
      }
      if (byte === QUOTE) {
        // `""` inside a quoted field re-enters the quotes; a quote after data is malformed.
        if (!this.lastWasQuote && !this.atFieldStart(data, i, rowStart)) {
          callback(this.malformed('a quote inside an unquoted field'));
          return;
        }
        this.inQuotes = true;
        this.lastWasQuote = false;
        continue;
      }
      if (this.lastWasQuote && byte !== COMMA && byte !== LF && byte !== CR) {
        callback(this.malformed('text after a closing quote'));
        return;
      }
      this.lastWasQuote = false;
      if (byte === COMMA) this.fields++;
      else if (byte === LF) {
        const error = this.endRow(data.subarray(rowStart, i + 1));
        if (error) {
          callback(error);
          return;
        }
        rowStart = i + 1;
      }
    }
    this.pending = Buffer.from(data.subarray(rowStart));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.inQuotes) {
      callback(this.malformed('a quoted field is never closed'));
      return;
    }
    if (this.pending.byteLength > 0) {
      const error = this.endRow(this.pending, true);
      if (error) {
        callback(error);
        return;
      }
    }
    callback();
  }

  private atFieldStart(data: Buffer, i: number, rowStart: number): boolean {
    if (i === rowStart) return true;
    const previous = data[i - 1];
    return previous === COMMA;
  }

  private endRow(row: Buffer, last = false): MalformedCsvError | undefined {
    const content = last ? row : row.subarray(0, row.byteLength - 1);
    const blank = content.byteLength === 0 || (content.byteLength === 1 && content[0] === CR);
    if (blank) {
      // A trailing empty line ends the file; an empty line inside it is a ragged row.
      this.line++;
      this.fields = 1;
      this.pendingBlank = true;
      return undefined;
    }
    if (this.pendingBlank) return this.malformed('an empty line inside the file');
    if (this.headerFields === undefined) this.headerFields = this.fields;
    else if (this.fields !== this.headerFields) {
      return this.malformed(`${this.fields} fields where the header has ${this.headerFields}`);
    } else this.stats.rows++;
    const header = this.line === 1;
    const out = header ? Buffer.concat([Buffer.from('customer,'), row]) : Buffer.concat([this.prefix, row]);
    this.stats.bytesOut += out.byteLength;
    this.push(out);
    this.line++;
    this.fields = 1;
    return undefined;
  }

  private malformed(what: string): MalformedCsvError {
    return new MalformedCsvError(`${this.source}: row ${this.line}: ${what}`);
  }
}
