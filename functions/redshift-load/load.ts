import {
  executionArn,
  iamRole,
  identifier,
  LoadValidationError,
  literal,
  loadId,
  s3Uri,
  tableName,
} from './identifiers';

export interface LoadRequest {
  readonly table: string;
  readonly schema: string;
  readonly tableOnly: string;
  /** `s3://bucket/prefix/` or a manifest's URI. */
  readonly source: string;
  readonly manifest: boolean;
  readonly format: 'PARQUET' | 'CSV';
  readonly mergeKeys: string[];
  readonly loadId: string;
}

/** `{ table, source | manifest, format, mergeKeys, loadId }`, every field checked. */
/** A load request, checked: `allowedSchemas` are the RedshiftLoadSchemas the deployment allows. */
export function parseLoadRequest(input: unknown, allowedSchemas: readonly string[]): LoadRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new LoadValidationError('the load request must be a JSON object');
  }
  const request = input as Record<string, unknown>;
  const { schema, table, qualified } = tableName(request.table);
  if (!allowedSchemas.includes(schema)) {
    throw new LoadValidationError(
      `schema ${schema} is not one the workflow may load into (RedshiftLoadSchemas: ${allowedSchemas.join(', ')})`,
    );
  }
  if ((request.source === undefined) === (request.manifest === undefined)) {
    throw new LoadValidationError(
      'give exactly one of source (an s3:// prefix) and manifest (an s3:// manifest file)',
    );
  }
  const manifest = request.manifest !== undefined;
  const source = s3Uri(manifest ? request.manifest : request.source, manifest ? 'manifest' : 'source');
  if (request.format !== 'PARQUET' && request.format !== 'CSV') {
    throw new LoadValidationError(`format ${JSON.stringify(request.format)} must be PARQUET or CSV`);
  }
  if (!Array.isArray(request.mergeKeys) || request.mergeKeys.length === 0) {
    throw new LoadValidationError('mergeKeys must be a non-empty list of column names');
  }
  const mergeKeys = request.mergeKeys.map((key) => identifier(key, 'merge key'));
  return {
    table: qualified,
    schema,
    tableOnly: table,
    source,
    manifest,
    format: request.format,
    mergeKeys,
    loadId: loadId(request.loadId),
  };
}

/** Position (0-based) of the statement whose result holds the load's counts. */
export const COUNTS_STATEMENT = 6;

/**
 * The load, as one BatchExecuteStatement (one transaction): lock the table, stage the files, keep one row per
 * merge key, record the counts in loglake.load_audit, MERGE (update matched, insert new), and
 * read the counts back. Loading the same files again leaves the same rows.
 */
export function loadStatements(
  request: LoadRequest,
  columns: readonly string[],
  role: string,
  execution: string,
): string[] {
  const cols = columns.map((c) => identifier(c, 'column'));
  for (const key of request.mergeKeys) {
    if (!cols.includes(key))
      throw new LoadValidationError(`merge key ${key} is not a column of ${request.table}`);
  }
  const list = cols.join(', ');
  const keys = request.mergeKeys.join(', ');
  const on = request.mergeKeys.map((k) => `${request.table}.${k} = s.${k}`).join(' AND ');
  const join = request.mergeKeys.map((k) => `t.${k} = b.${k}`).join(' AND ');
  // A NULL merge key matches nothing, so every re-run would insert its row again: such rows are
  // kept out of the batch and counted, and the workflow then fails by name.
  const keyed = request.mergeKeys.map((k) => `${k} IS NOT NULL`).join(' AND ');
  const updated = cols.filter((c) => !request.mergeKeys.includes(c));
  // Redshift requires a WHEN MATCHED clause; with only key columns it is a no-op.
  const set = (updated.length > 0 ? updated : request.mergeKeys).map((c) => `${c} = s.${c}`).join(', ');
  const format =
    request.format === 'PARQUET'
      ? 'FORMAT AS PARQUET'
      : "FORMAT AS CSV IGNOREHEADER 1 DATEFORMAT 'auto' TIMEFORMAT 'auto'";
  const [id, run] = [literal(request.loadId), literal(executionArn(execution))];
  return [
    // First, before the transaction's snapshot is taken: a concurrent load of the same table then
    // waits for this one instead of conflicting with it, under SERIALIZABLE and SNAPSHOT isolation
    // alike (https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html: ACCESS EXCLUSIVE, held to
    // the end of the transaction; readers of the table wait too, for as long as the load runs).
    `LOCK TABLE ${request.table}, loglake.load_audit`,
    `CREATE TEMP TABLE loglake_stage (LIKE ${request.table})`,
    `COPY loglake_stage FROM ${literal(request.source)} IAM_ROLE ${literal(iamRole(role))} ${format}${request.manifest ? ' MANIFEST' : ''}`,
    // Of rows sharing a key, the one that sorts first by every column stays: the same whatever the files' order.
    `CREATE TEMP TABLE loglake_batch AS SELECT ${list} FROM (SELECT ${list}, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ${list}) AS loglake_rn FROM loglake_stage WHERE ${keyed}) AS numbered WHERE loglake_rn = 1`,
    `INSERT INTO loglake.load_audit (load_id, table_name, source, format, rows_in_batch, rows_updated, rows_inserted, status, execution) SELECT ${id}, ${literal(request.table)}, ${literal(request.source)}, ${literal(request.format)}, COUNT(*), COUNT(t.${request.mergeKeys[0]}), COUNT(*) - COUNT(t.${request.mergeKeys[0]}), 'LOADED', ${run} FROM loglake_batch AS b LEFT JOIN ${request.table} AS t ON ${join}`,
    `MERGE INTO ${request.table} USING loglake_batch AS s ON ${on} WHEN MATCHED THEN UPDATE SET ${set} WHEN NOT MATCHED THEN INSERT (${list}) VALUES (${cols.map((c) => `s.${c}`).join(', ')})`,
    `SELECT rows_in_batch, rows_updated, rows_inserted, (SELECT COUNT(*) FROM loglake_stage WHERE NOT (${keyed})) AS rows_without_key FROM loglake.load_audit WHERE load_id = ${id} AND execution = ${run} ORDER BY loaded_at DESC LIMIT 1`,
  ];
}
