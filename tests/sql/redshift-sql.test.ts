import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DDL_FILES, ddlStatements } from '../../functions/redshift-load/ddl';
import { COUNTS_STATEMENT, loadStatements, parseLoadRequest } from '../../functions/redshift-load/load';
import { REPO_ROOT } from '../../offline/fixtures';

/**
 * The Redshift SQL, run by a real PostgreSQL engine (PGlite, PostgreSQL 17 in WebAssembly)
 * for everything PostgreSQL shares with Redshift: the DDL, the staging, the dedup, the audit
 * insert and the MERGE. What differs is isolated here and nowhere else:
 *  - COPY … IAM_ROLE reads S3: the tests load the staging table with INSERTs instead;
 *  - GETDATE() is Redshift's: PostgreSQL gets an equivalent function.
 */
async function redshiftLikeDatabase(): Promise<PGlite> {
  const db = new PGlite();
  await db.exec(
    'CREATE FUNCTION getdate() RETURNS timestamp AS $$ SELECT clock_timestamp()::timestamp $$ LANGUAGE sql',
  );
  return db;
}

const requestFor = (table: string) =>
  parseLoadRequest(
    {
      table,
      source: 's3://loglake-dev-processed/audit/batch=b-001/',
      format: 'PARQUET',
      mergeKeys: ['event_id'],
      loadId: 'b-001',
    },
    ['audit'],
  );
const request = parseLoadRequest(
  {
    table: 'audit.wau_audit_logs',
    source: 's3://loglake-dev-processed/audit/batch=b-001/',
    format: 'PARQUET',
    mergeKeys: ['event_id'],
    loadId: 'b-001',
  },
  ['audit'],
);
const ROLE = 'arn:aws:iam::123456789012:role/loglake-dev-redshift-copy';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:loglake-dev-redshift-load:b-001';

type Row = [string, string, string, string | null];
const insertStage = (rows: Row[]) =>
  `INSERT INTO loglake_stage (event_id, customer, event_time, event_date, user_name, action) VALUES ${rows
    .map(
      ([id, customer, user, action]) =>
        `(${id === null ? 'NULL' : `'${id}'`}, '${customer}', '2026-11-20 10:00:00', '2026-11-20', '${user}', '${action ?? 'login'}')`,
    )
    .join(', ')}`;

/** Runs the load batch as Redshift would (one transaction), with the COPY swapped for rows. */
async function load(db: PGlite, rows: Row[], target = request) {
  const [schema, table] = target.table.split('.');
  const columns = (
    await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}' ORDER BY ordinal_position`,
    )
  ).rows.map((r) => r.column_name);
  const statements = loadStatements(target, columns, ROLE, EXECUTION);
  // Locked before anything reads it, so concurrent loads wait for each other instead of conflicting.
  expect(statements[0]).toBe(`LOCK TABLE ${target.table}, loglake.load_audit`);
  const copy = statements.findIndex((sql) => sql.startsWith('COPY '));
  expect(statements[copy]).toMatch(
    /^COPY loglake_stage FROM 's3:\/\/loglake-dev-processed\/audit\/batch=b-001\/' IAM_ROLE '.*' FORMAT AS PARQUET$/,
  );
  // The workflow reads the counts from this statement's result; here it is the batch's last.
  expect(COUNTS_STATEMENT).toBe(statements.length - 1);
  expect(statements[COUNTS_STATEMENT]).toMatch(
    /^SELECT rows_in_batch, rows_updated, rows_inserted, \(SELECT COUNT\(\*\) FROM loglake_stage WHERE NOT \(event_id IS NOT NULL\)\) AS rows_without_key FROM loglake.load_audit/,
  );
  const counts = await db.transaction(async (tx) => {
    let last: unknown;
    for (const [index, sql] of statements.entries()) {
      last = await tx.query(index === copy ? insertStage(rows) : sql);
    }
    await tx.exec('DROP TABLE loglake_stage; DROP TABLE loglake_batch');
    return (last as { rows: Record<string, number>[] }).rows[0];
  });
  return counts;
}

describe('redshift sql on a real PostgreSQL engine', () => {
  let db: PGlite;
  // Starting PostgreSQL (WebAssembly) takes seconds on a loaded 2-core machine: not jest's default 5 s.
  beforeEach(async () => {
    db = await redshiftLikeDatabase();
    for (const sql of ddlStatements()) await db.exec(sql);
  }, 60_000);
  afterEach(() => db.close(), 60_000);

  it('runs the versioned DDL, and runs it again without error', async () => {
    for (const sql of ddlStatements()) await db.exec(sql);

    const tables = await db.query<{ t: string }>(
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('loglake', 'audit') ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.t)).toEqual(['audit.wau_audit_logs', 'loglake.load_audit']);
    // Every versioned file is part of the DDL step: a new one cannot be forgotten.
    const onDisk = readdirSync(join(REPO_ROOT, 'sql', 'redshift'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(DDL_FILES).toEqual(onDisk.map((f) => readFileSync(join(REPO_ROOT, 'sql', 'redshift', f), 'utf8')));
  });

  it('merges a batch with duplicates into one row per key, and counts it in the audit table', async () => {
    const counts = await load(db, [
      ['e1', 'acme', 'alice', 'login'],
      ['e2', 'acme', 'bob', 'logout'],
      ['e2', 'acme', 'bob', 'logout'],
      ['e3', 'globex', 'carol', 'login'],
    ]);

    expect(counts).toEqual({ rows_in_batch: 3, rows_updated: 0, rows_inserted: 3, rows_without_key: 0 });
    expect((await db.query('SELECT event_id FROM audit.wau_audit_logs ORDER BY 1')).rows).toEqual([
      { event_id: 'e1' },
      { event_id: 'e2' },
      { event_id: 'e3' },
    ]);
  });

  it('keeps rows without a merge key out of the table and counts them, so a re-run cannot insert them twice', async () => {
    // A user's table whose key column allows NULL (loglake's own declare theirs NOT NULL).
    await db.exec('CREATE TABLE audit.events_nullable_key (LIKE audit.wau_audit_logs)');
    await db.exec('ALTER TABLE audit.events_nullable_key ALTER COLUMN event_id DROP NOT NULL');
    const target = requestFor('audit.events_nullable_key');
    const rows = [
      ['e1', 'acme', 'alice', 'login'],
      [null, 'acme', 'mallory', 'login'],
    ] as unknown as Row[];

    const first = await load(db, rows, target);
    const again = await load(db, rows, target);

    expect(first).toEqual({ rows_in_batch: 1, rows_updated: 0, rows_inserted: 1, rows_without_key: 1 });
    expect(again).toMatchObject({ rows_in_batch: 1, rows_updated: 1, rows_inserted: 0, rows_without_key: 1 });
    expect((await db.query('SELECT COUNT(*)::int AS n FROM audit.events_nullable_key')).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('keeps the same one of two rows sharing a key, whatever order the files give them in', async () => {
    const a: Row = ['e1', 'acme', 'alice', 'login'];
    const b: Row = ['e1', 'acme', 'alice', 'logout'];

    await load(db, [a, b]);
    const forward = (await db.query('SELECT action FROM audit.wau_audit_logs')).rows;
    await db.exec('TRUNCATE audit.wau_audit_logs');
    await load(db, [b, a]);
    const backward = (await db.query('SELECT action FROM audit.wau_audit_logs')).rows;

    expect(forward).toEqual(backward);
  });

  it('leaves the same rows when the same files are loaded twice, updating matched rows', async () => {
    const rows: Row[] = [
      ['e1', 'acme', 'alice', 'login'],
      ['e2', 'acme', 'bob', 'logout'],
    ];
    await load(db, rows);

    const again = await load(db, [...rows, ['e1', 'acme', 'alice', 'password-reset'] as Row].slice(1));

    expect(again).toEqual({ rows_in_batch: 2, rows_updated: 2, rows_inserted: 0, rows_without_key: 0 });
    expect((await db.query('SELECT event_id, action FROM audit.wau_audit_logs ORDER BY 1')).rows).toEqual([
      { event_id: 'e1', action: 'password-reset' },
      { event_id: 'e2', action: 'logout' },
    ]);
    expect((await db.query('SELECT load_id, status FROM loglake.load_audit')).rows).toEqual([
      { load_id: 'b-001', status: 'LOADED' },
      { load_id: 'b-001', status: 'LOADED' },
    ]);
  });
});
