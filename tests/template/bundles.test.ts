import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { handler as sourceHandler } from '../../functions/clickstream-transform/index';
import { loadEvent, REPO_ROOT } from '../../offline/fixtures';
import { functionEnvironment } from '../../offline/function-environment';
import { lambdaContext } from '../../offline/lambda-context';
import { failureSummary, invokeBundle, lambdaProcessEnv } from '../../offline/lambda-process';
import { builtFunctionDir, loadTemplate, resourcesOfType } from '../../offline/template';

// What `sam build` produced (make test runs it before jest): the artifacts `sam deploy` uploads.
const functions = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(
  ([id, fn]) =>
    [id, (fn.Metadata?.BuildProperties as { External?: string[] } | undefined)?.External ?? []] as const,
);

/** Runs a script in a fresh Node process of the runtime's major, with Lambda-like variables. */
function runNode(script: string, environment: Record<string, string> = {}): string {
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: lambdaProcessEnv(environment),
  });
  if (result.status !== 0) throw new Error(`node exited ${result.status}: ${failureSummary(result.stderr)}`);
  return result.stdout;
}

describe.each(functions)('sam build output of %s', (logicalId, external) => {
  const bundle = join(builtFunctionDir(logicalId), 'index.js');

  it('bundles all but the runtime-provided SDK, has a source map, and loads with the template environment', () => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`make sam-build\` (make test does) first`);

    const loaded = runNode(
      `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`,
      functionEnvironment(logicalId),
    );

    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(loaded).toBe('function');
    // Everything is bundled but what the template marks External (the SDK the runtime provides).
    const externalPrefixes = external.map((pattern) => pattern.replace(/\*$/, ''));
    const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
      (m) => m[1] as string,
    );
    const builtin = new Set(builtinModules);
    expect(
      required.filter(
        (name) =>
          !name.startsWith('node:') &&
          !builtin.has(name) &&
          !externalPrefixes.some((prefix) => name.startsWith(prefix)),
      ),
    ).toEqual([]);
  });
});

describe('built clickstream transform', () => {
  it('answers the mixed fixture exactly as the source does', async () => {
    const event = loadEvent<FirehoseTransformationEvent>('clickstream-transform', 'mixed');

    const built = await invokeBundle({
      bundle: join(builtFunctionDir('ClickstreamTransformFunction'), 'index.js'),
      event,
      env: functionEnvironment('ClickstreamTransformFunction'),
    });

    expect(built.result).toEqual(await sourceHandler(event, lambdaContext()));
    // (What that response is, record by record, is pinned by the handler's unit tests.)
    expect((built.result as FirehoseTransformationResult).records).toHaveLength(event.records.length);
  });
});
