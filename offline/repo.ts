import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository: the nearest folder up with template.yaml (also from a bundle elsewhere). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'template.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no template.yaml above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();
