import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo';

export { REPO_ROOT };

/** Loads events/<group>/<name>.json: the same files `sam local invoke -e` uses. */
export function loadEvent<T = unknown>(group: string, name: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'events', group, `${name}.json`), 'utf8')) as T;
}
