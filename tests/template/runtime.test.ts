import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import { loadTemplate, resourcesOfType } from '../../offline/template';

const runtimes = new Set(
  resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(([, fn]) =>
    String(fn.Properties?.Runtime),
  ),
);
const [runtime = ''] = runtimes;
const runtimeMajor = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);

describe('node runtime', () => {
  it('is one runtime for every function', () => {
    expect([...runtimes]).toEqual([expect.stringMatching(/^nodejs\d+\.x$/)]);
  });

  it('runs the tests on the Lambda runtime Node major', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(runtimeMajor);
  });

  it('pins the npm node package to the same major', () => {
    const pinned = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies.node;

    expect(Number(String(pinned).split('.')[0])).toBe(runtimeMajor);
  });
});
