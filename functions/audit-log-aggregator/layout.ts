import { InvalidInputError } from '../shared/errors';

/**
 * Where a batch lands in the central audit bucket. The crawler reads `csv/` only; `manifests/`
 * and `complete/` stay out of the catalog, and only `complete/` starts the workflow.
 */

export class TargetCollisionError extends InvalidInputError {
  override readonly name = 'TargetCollisionError';
}

export const csvPrefix = (batchId: string, customer: string) => `csv/customer=${customer}/batch=${batchId}/`;
export const manifestKey = (batchId: string) => `manifests/${batchId}.json`;
export const tokenKey = (batchId: string) => `complete/${batchId}.token`;

/**
 * The copy's file name: the source key below the source prefix, folders joined with `_`
 * (`2026/11/22/audit.csv` → `2026_11_22_audit.csv`), always ending in `.csv`.
 */
export function targetName(sourceKey: string, sourcePrefix: string): string {
  const isPrefix = sourcePrefix === '' || sourcePrefix.endsWith('/');
  const relative = isPrefix ? sourceKey.slice(sourcePrefix.length) : sourceKey.split('/').pop();
  const flat = (relative ?? '').split('/').filter(Boolean).join('_');
  const base = flat.replace(/[^A-Za-z0-9._=-]/g, '-');
  return base.toLowerCase().endsWith('.csv') ? base : `${base}.csv`;
}

/** Two sources that would write one key would silently lose a file: refuse the batch instead. */
export function assertUniqueTargets(targets: readonly { key: string; source: string }[]): void {
  const seen = new Map<string, string>();
  for (const { key, source } of targets) {
    const other = seen.get(key);
    if (other) throw new TargetCollisionError(`${other} and ${source} would both be copied to ${key}`);
    seen.set(key, source);
  }
}
