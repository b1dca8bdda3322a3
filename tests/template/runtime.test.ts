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

  it('bundles every function and every operator tool for the same major', () => {
    const functionTargets = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(
      ([, fn]) => (fn.Metadata?.BuildProperties as { Target?: string } | undefined)?.Target,
    );
    const toolTargets = ['package.json', 'Makefile'].flatMap((file) =>
      [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/--target=(node\d+)/g)].map((m) => m[1]),
    );

    expect(toolTargets.length).toBeGreaterThanOrEqual(4);
    expect(new Set([...functionTargets, ...toolTargets])).toEqual(new Set([`node${runtimeMajor}`]));
  });
});
