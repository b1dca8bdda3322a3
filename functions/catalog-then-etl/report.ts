import hourlySummary from '../../sql/athena/001_hourly_summary.sql';
import topPaths from '../../sql/athena/002_top_paths.sql';

/**
 * The report's Athena queries for a run's hours. Athena puts ExecutionParameters into the query
 * as literal text, so each is a quoted SQL string literal.
 */

export interface ReportQuery {
  readonly queryString: string;
  readonly executionParameters: string[];
}

export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function reportQueries(
  hours: readonly string[],
  paths: { signUp: string; signIn: string },
): { hourlySummary: ReportQuery; topPaths: ReportQuery } {
  const first = hours[0];
  const last = hours.at(-1);
  if (!first || !last) throw new Error('a report needs at least one hour');
  // dt BETWEEN prunes partitions; dt||hour BETWEEN keeps to the hours (`2026-11-2213`).
  const range = [first.slice(0, 10), last.slice(0, 10), first.replace('T', ''), last.replace('T', '')].map(
    sqlString,
  );
  return {
    hourlySummary: {
      queryString: hourlySummary.trim(),
      executionParameters: [...[paths.signUp, paths.signIn, paths.signUp].map(sqlString), ...range],
    },
    topPaths: { queryString: topPaths.trim(), executionParameters: range },
  };
}
