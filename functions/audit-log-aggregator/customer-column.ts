import { Transform, type TransformCallback } from 'node:stream';
import { csvField } from '../shared/csv';
import { InvalidInputError } from '../shared/errors';
import { firstInvalidUtf8, unfinishedUtf8Tail } from '../shared/utf8';
import { renameCustomerColumn } from './header';

/**
 * Streams a CSV file (RFC 4180: quoted fields may hold commas, quotes and line breaks) and
 * prepends a `customer` column to the header and to every row. Rows are written as they are
 * read, so memory stays flat and time linear whatever the input, an unterminated quote
 * included; only the header row is held (it is checked and may be rewritten). Every byte is
 * kept as it was except:
 * - a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped, or it would join the first name;
 * - a line that ends in a bare CR (old Mac exports) ends in LF instead, so readers see rows;
 * - a `customer` column of the export's own is renamed `source_customer` (see ./header).
 * Malformed input fails the stream with MalformedCsvError, and input that is not UTF-8
 * (UTF-16 included) with CsvEncodingError, each naming the file and row: the upload is then
 * aborted, so a shortened file is never written.
 */

export class MalformedCsvError extends InvalidInputError {
  override readonly name: string = 'MalformedCsvError';
}

/** The file is not UTF-8: it must be re-exported, never read as if it were. */
export class CsvEncodingError extends MalformedCsvError {
  override readonly name = 'CsvEncodingError';
}

export interface CsvStats {
  /** Data rows, header excluded. */
  rows: number;
  bytesIn: number;
  bytesOut: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');
const NOTHING = Buffer.alloc(0);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** A header longer than this is an unterminated quote, not a header. */
export const MAX_HEADER_BYTES = 64 * 1024;

export class CustomerColumn extends Transform {
  readonly stats: CsvStats = { rows: 0, bytesIn: 0, bytesOut: 0 };
  private readonly prefix: Buffer;
  /** The header row while it is read; undefined once it is written. */
  private header: Buffer[] | undefined = [];
  private headerBytes = 0;
  private headerFields = 0;
  private inQuotes = false;
  /** Whether the previous byte closed a quoted section (so a following quote is an escaped one). */
  private lastWasQuote = false;
  private atFieldStart = true;
  private fields = 1;
  /** Whether the current row has content (its customer field is written). */
  private rowOpen = false;
  /** A CR outside quotes was read: the next byte says whether it is CRLF or a bare CR. */
  private pendingCR = false;
  private blankLineSeen = false;
  /** The row being read: 1 is the header (a quoted line break does not end a row). */
  private line = 1;
  /** The bytes of a UTF-8 sequence that the next chunk completes. */
  private utf8Carry: Buffer = NOTHING;

  constructor(
    customer: string,
    private readonly source: string,
  ) {
    super();
    this.prefix = Buffer.from(`${csvField(customer)},`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const invalid = this.firstInvalidByte(chunk);
      if (invalid) {
        // Read up to the bad byte first, so the error names its row.
        this.scan(chunk.subarray(0, Math.max(0, invalid.offset - this.stats.bytesIn)));
        throw this.notUtf8(invalid.offset, invalid.byte);
      }
      this.stats.bytesIn += chunk.byteLength;
      this.scan(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.utf8Carry.byteLength > 0) throw this.notUtf8(this.stats.bytesIn - this.utf8Carry.byteLength);
      if (this.inQuotes) throw this.malformed('a quoted field is never closed');
      if (this.pendingCR) {
        this.pendingCR = false;
        this.endRow(LF);
      } else if (this.rowOpen) this.endRow(NOTHING);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private scan(chunk: Buffer): void {
    // `span` starts the bytes of this chunk that are copied as they are, up to the next CR or LF.
    let span = 0;
    for (let i = 0; i < chunk.byteLength; i++) {
      const byte = chunk[i] as number;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (byte === LF[0]) {
          this.endRow(CRLF);
          span = i + 1;
          continue;
        }
        this.endRow(LF);
        span = i;
      }
      if (this.inQuotes) {
        if (byte === QUOTE) {
          this.inQuotes = false;
          this.lastWasQuote = true;
        }
        continue;
      }
      if (byte === CRLF[0] || byte === LF[0]) {
        if (i > span) this.output(chunk.subarray(span, i));
        span = i + 1;
        if (byte === LF[0]) this.endRow(LF);
        else this.pendingCR = true;
        continue;
      }
      if (!this.rowOpen) this.openRow();
      if (byte === QUOTE) {
        // `""` inside a quoted field re-enters the quotes; a quote after data is malformed.
        if (!this.lastWasQuote && !this.atFieldStart)
          throw this.malformed('a quote inside an unquoted field');
        this.inQuotes = true;
        this.lastWasQuote = false;
        this.atFieldStart = false;
        continue;
      }
      if (this.lastWasQuote && byte !== COMMA) throw this.malformed('text after a closing quote');
      this.lastWasQuote = false;
      this.atFieldStart = byte === COMMA;
      if (byte === COMMA) this.fields++;
    }
    if (chunk.byteLength > span) this.output(chunk.subarray(span));
  }

  private openRow(): void {
    if (this.blankLineSeen) throw this.malformed('an empty line inside the file');
    this.rowOpen = true;
    if (!this.header) this.output(this.prefix);
  }

  private endRow(terminator: Buffer): void {
    if (!this.rowOpen) {
      // A trailing empty line ends the file; an empty line inside it is a ragged row.
      this.blankLineSeen = true;
      this.line++;
      return;
    }
    this.output(terminator);
    if (this.header) this.writeHeader();
    else if (this.fields !== this.headerFields) {
      throw this.malformed(`${this.fields} fields where the header has ${this.headerFields}`);
    } else this.stats.rows++;
    this.line++;
    this.fields = 1;
    this.rowOpen = false;
    this.atFieldStart = true;
    this.lastWasQuote = false;
  }

  private writeHeader(): void {
    let header = Buffer.concat(this.header ?? []);
    this.header = undefined;
    if (header.subarray(0, UTF8_BOM.byteLength).equals(UTF8_BOM))
      header = header.subarray(UTF8_BOM.byteLength);
    if (header.includes(0)) {
      throw new CsvEncodingError(
        `${this.source}: row 1: the header holds NUL bytes: this is UTF-16 without a byte-order mark; re-export it as CSV UTF-8`,
      );
    }
    this.headerFields = this.fields;
    const renamed = renameCustomerColumn(header);
    if (renamed instanceof Error) throw this.malformed(renamed.message);
    this.output(Buffer.concat([Buffer.from('customer,'), renamed]));
  }

  private output(bytes: Buffer): void {
    if (this.header) {
      this.headerBytes += bytes.byteLength;
      if (this.headerBytes > MAX_HEADER_BYTES) {
        throw this.malformed(
          `the header is longer than ${MAX_HEADER_BYTES / 1024} KiB (is a quote never closed?)`,
        );
      }
      this.header.push(Buffer.from(bytes));
      return;
    }
    this.stats.bytesOut += bytes.byteLength;
    this.push(bytes);
  }

  /** The file offset and value of the first byte that is not UTF-8, if this chunk has one. */
  private firstInvalidByte(chunk: Buffer): { offset: number; byte: number | undefined } | undefined {
    const bytes = this.utf8Carry.byteLength > 0 ? Buffer.concat([this.utf8Carry, chunk]) : chunk;
    const tail = unfinishedUtf8Tail(bytes);
    const at = firstInvalidUtf8(bytes.subarray(0, bytes.byteLength - tail));
    if (at >= 0) return { offset: this.stats.bytesIn - this.utf8Carry.byteLength + at, byte: bytes[at] };
    this.utf8Carry = Buffer.from(bytes.subarray(bytes.byteLength - tail));
    return undefined;
  }

  private notUtf8(offset: number, byte?: number): CsvEncodingError {
    // 0xFF 0xFE and 0xFE 0xFF open UTF-16 files (Excel's "Unicode Text"); neither byte is ever UTF-8.
    const what =
      offset === 0 && (byte === 0xff || byte === 0xfe)
        ? 'starts with a UTF-16 byte-order mark'
        : `byte ${offset} is not UTF-8 (a Windows-1252 or Latin-1 export?)`;
    return new CsvEncodingError(`${this.source}: row ${this.line}: ${what}; re-export it as CSV UTF-8`);
  }

  private malformed(what: string): MalformedCsvError {
    return new MalformedCsvError(`${this.source}: row ${this.line}: ${what}`);
  }
}
