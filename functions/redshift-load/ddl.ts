import schemas from '../../sql/redshift/001_schemas.sql';
import loadAudit from '../../sql/redshift/002_load_audit.sql';
import wauAuditLogs from '../../sql/redshift/003_wau_audit_logs.sql';

/** The versioned DDL files, in order, as single statements (comments dropped). */
export const DDL_FILES: readonly string[] = [schemas, loadAudit, wauAuditLogs];

export function ddlStatements(files: readonly string[] = DDL_FILES): string[] {
  return files.flatMap((file) =>
    file
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n')
      .split(';')
      .map((statement) => statement.trim())
      .filter((statement) => statement !== ''),
  );
}
