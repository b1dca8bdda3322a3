import { InvalidInputError } from '../shared/errors';

/**
 * Everything that ends up inside SQL is checked here first: identifiers against a strict
 * pattern, literals against patterns that exclude quotes, so no SQL is built from an
 * unchecked string.
 */

export class LoadValidationError extends InvalidInputError {
  override readonly name = 'LoadValidationError';
}

/** An unquoted Redshift identifier: lower-case letters, digits, underscores; not a keyword we use. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,126}$/;
const RESERVED = new Set([
  'select',
  'from',
  'where',
  'table',
  'merge',
  'into',
  'using',
  'on',
  'when',
  'then',
  'and',
  'or',
  'not',
  'null',
  'user',
  'order',
  'group',
  'limit',
]);
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9!_.*()=/-]*)?$/;
const LOAD_ID = /^[A-Za-z0-9][A-Za-z0-9_.:=-]{0,127}$/;
const IAM_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const EXECUTION = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_:.-]+$/;

export function identifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || RESERVED.has(value)) {
    throw new LoadValidationError(
      `${what} ${JSON.stringify(value)} is not a plain lower-case identifier ([a-z_][a-z0-9_]*)`,
    );
  }
  return value;
}

/** `schema.table` → its two checked parts. */
export function tableName(value: unknown): { schema: string; table: string; qualified: string } {
  const parts = typeof value === 'string' ? value.split('.') : [];
  if (parts.length !== 2)
    throw new LoadValidationError(`table ${JSON.stringify(value)} must be schema.table`);
  const schema = identifier(parts[0], 'schema');
  const table = identifier(parts[1], 'table');
  return { schema, table, qualified: `${schema}.${table}` };
}

function matching(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new LoadValidationError(`${what} ${JSON.stringify(value)} is malformed`);
  }
  return value;
}

export const s3Uri = (value: unknown, what: string) => matching(value, S3_URI, what);
export const loadId = (value: unknown) => matching(value, LOAD_ID, 'loadId');
export const iamRole = (value: unknown) => matching(value, IAM_ROLE, 'load role ARN');
export const executionArn = (value: unknown) => matching(value, EXECUTION, 'execution ARN');

/** A checked value as a SQL string literal (the patterns above already exclude quotes). */
export const literal = (checked: string) => `'${checked.replaceAll("'", "''")}'`;
