import { randomUUID } from 'node:crypto';
import type { Integrations } from '../../offline/stubs';
import type { LocalObjectStore } from './object-store';
import { parseS3Uri } from './object-store';
import { runPython } from './python';

type Out<K extends keyof Integrations> = Integrations[K]['output'];

/** PGlite is an ES module: loaded with import(), typed from it. */
async function newDatabase() {
  const { PGlite } = await import('@electric-sql/pglite');
  return new PGlite();
}
type Database = Awaited<ReturnType<typeof newDatabase>>;

/**
 * The Redshift Data API over a real PostgreSQL engine (PGlite, PostgreSQL 17). A batch runs as
 * one transaction in a fresh session, as in Redshift. What PostgreSQL lacks is bridged here only:
 * COPY from S3 (the Parquet rows are read with DuckDB and inserted) and GETDATE().
 */
export class LocalRedshift {
  private readonly statements = new Map<string, { sqls: string[]; error?: string }>();
  private readonly results = new Map<string, Record<string, unknown>[]>();

  private constructor(
    readonly db: Database,
    private readonly store: LocalObjectStore,
  ) {}

  static async start(store: LocalObjectStore): Promise<LocalRedshift> {
    const db = await newDatabase();
    await db.exec(
      'CREATE FUNCTION getdate() RETURNS timestamp AS $$ SELECT clock_timestamp()::timestamp $$ LANGUAGE sql',
    );
    return new LocalRedshift(db, store);
  }

  private async copy(tx: Pick<Database, 'query'>, sql: string): Promise<void> {
    const match = /^COPY (\S+) FROM '(s3:\/\/[^']+)' IAM_ROLE '[^']+' FORMAT AS PARQUET$/.exec(sql);
    if (!match) throw new Error(`local Redshift can COPY only Parquet from S3: ${sql}`);
    const { bucket, key } = parseS3Uri(match[2] as string);
    if (!this.store.list(bucket, key).some((o) => o.key.endsWith('.parquet')))
      throw new Error(`local Redshift: no Parquet objects under ${match[2]} to COPY`);
    const { columns, rows } = await runPython<{ columns: string[]; rows: (string | null)[][] }>(
      'parquet-rows',
      {
        dir: this.store.path(bucket, key),
      },
    );
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const placeholders = chunk.map(
        (row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
      );
      await tx.query(
        `INSERT INTO ${match[1]} (${columns.join(', ')}) VALUES ${placeholders.join(', ')}`,
        chunk.flat(),
      );
    }
  }

  async batchExecuteStatement(
    input: Integrations['aws-sdk:redshiftdata:batchExecuteStatement']['input'],
  ): Promise<Out<'aws-sdk:redshiftdata:batchExecuteStatement'>> {
    const id = randomUUID();
    const sqls = input.Sqls ?? [];
    const record: { sqls: string[]; error?: string } = { sqls };
    this.statements.set(id, record);
    try {
      await this.db.transaction(async (tx) => {
        for (const [index, sql] of sqls.entries()) {
          if (sql.startsWith('COPY ')) await this.copy(tx, sql);
          else this.results.set(`${id}:${index + 1}`, (await tx.query<Record<string, unknown>>(sql)).rows);
        }
      });
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      // Each batch is a session of its own: its temporary tables end with it.
      await this.db.exec('DISCARD TEMP');
    }
    return { Id: id, Database: input.Database, WorkgroupName: input.WorkgroupName, CreatedAt: new Date() };
  }

  async describeStatement(input: { Id?: string }): Promise<Out<'aws-sdk:redshiftdata:describeStatement'>> {
    const record = this.statements.get(String(input.Id));
    if (!record) throw new Error(`no statement ${input.Id}`);
    const status = record.error ? 'FAILED' : 'FINISHED';
    return {
      Id: input.Id,
      Status: status,
      Error: record.error,
      HasResultSet: !record.error,
      SubStatements: record.sqls.map((_, i) => ({ Id: `${input.Id}:${i + 1}`, Status: status })),
    };
  }

  async describeTable(input: {
    Schema?: string;
    Table?: string;
  }): Promise<Out<'aws-sdk:redshiftdata:describeTable'>> {
    const { rows } = await this.db.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [input.Schema, input.Table],
    );
    return {
      TableName: input.Table,
      ColumnList: rows.map((r) => ({ name: r.column_name, typeName: r.data_type })),
    };
  }

  async getStatementResult(input: { Id?: string }): Promise<Out<'aws-sdk:redshiftdata:getStatementResult'>> {
    const rows = this.results.get(String(input.Id)) ?? [];
    return {
      Records: rows.map((row) =>
        Object.values(row).map((v) =>
          typeof v === 'number' ? { longValue: v } : { stringValue: String(v) },
        ),
      ),
      TotalNumRows: rows.length,
    };
  }
}
