import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';

/** docs/operations.md must stay true: every named failure a workflow can end in is explained there. */
describe('docs/operations.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const names = readdirSync(join(REPO_ROOT, 'statemachines')).flatMap((file) => [
    ...new Set(
      [
        ...readFileSync(join(REPO_ROOT, 'statemachines', file), 'utf8').matchAll(
          /"name": "([A-Za-z]+\.[A-Za-z]+)"/g,
        ),
      ].map((m) => m[1] as string),
    ),
  ]);

  it('explains every named failure of every workflow', () => {
    expect(names.length).toBeGreaterThan(25);
    expect(
      names.filter(
        (name) => !doc.includes(name.split('.')[1] as string) || !doc.includes(name.split('.')[0] as string),
      ),
    ).toEqual([]);
  });
});
