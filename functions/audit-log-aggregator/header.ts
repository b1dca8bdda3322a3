import { csvField } from '../shared/csv';

/**
 * An export may carry a `customer` column of its own (a reseller's end customer, say). Next to
 * the column the aggregator adds, the table would have two columns of one name, which the
 * crawler and Spark refuse (names are case-insensitive there), so the export's column is
 * renamed `source_customer`: its values land, under a name that says whose they are.
 */
export const RENAMED_CUSTOMER_COLUMN = 'source_customer';

/** The header row (with its line break) with the export's own `customer` column renamed, or why it cannot be. */
export function renameCustomerColumn(header: Buffer): Buffer | Error {
  const text = header.toString('utf8');
  const body = text.replace(/\r?\n$/, '');
  const names = headerNames(body);
  const key = (name: string) => name.trim().toLowerCase();
  const own = names.findIndex((name) => key(name) === 'customer');
  if (own < 0) return header;
  if (names.some((name) => key(name) === RENAMED_CUSTOMER_COLUMN)) {
    return new Error(`the header has both a customer and a ${RENAMED_CUSTOMER_COLUMN} column`);
  }
  names[own] = RENAMED_CUSTOMER_COLUMN;
  return Buffer.from(`${names.map(csvField).join(',')}${text.slice(body.length)}`);
}

/** The names in one RFC 4180 header row (quotes already checked by the stream). */
function headerNames(row: string): string[] {
  const names: string[] = [];
  let name = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const char = row[i];
    if (quoted) {
      if (char === '"' && row[i + 1] === '"') {
        name += '"';
        i++;
      } else if (char === '"') quoted = false;
      else name += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      names.push(name);
      name = '';
    } else name += char;
  }
  names.push(name);
  return names;
}
