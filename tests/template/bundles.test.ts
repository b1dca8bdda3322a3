import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/fixtures';
import { functionEnvironment } from '../support/function-environment';
import { loadTemplate, resourcesOfType } from '../support/template';

// What `sam build` produced (make test runs it before jest): the artifacts `sam deploy` uploads.
const BUILD_DIR = join(REPO_ROOT, '.aws-sam', 'build');
const functions = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(([id]) => id);

/** Runs a script in a fresh Node process of the runtime's major, with Lambda-like variables. */
function runNode(script: string, environment: Record<string, string> = {}): string {
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...environment,
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bundle-test',
      POWERTOOLS_SERVICE_NAME: 'loglake',
      POWERTOOLS_METRICS_NAMESPACE: 'LogLake',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    },
  });
  if (result.status !== 0) {
    // Minified bundles print whole source lines with a stack: keep the lines that say what failed.
    const said = result.stderr.split('\n').filter((line) => line.length < 400 && !line.startsWith('    at '));
    throw new Error(`node exited ${result.status}: ${said.slice(-8).join('\n')}`);
  }
  return result.stdout;
}

describe.each(functions)('sam build output of %s', (logicalId) => {
  const bundle = join(BUILD_DIR, logicalId, 'index.js');

  it('bundles all but the runtime-provided SDK, has a source map, and loads with the template environment', () => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`make sam-build\` (make test does) first`);

    const loaded = runNode(
      `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`,
      functionEnvironment(logicalId),
    );

    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(loaded).toBe('function');
    // Everything is bundled but the AWS SDK, which the Lambda runtime provides.
    const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
      (m) => m[1] as string,
    );
    const builtin = new Set(builtinModules);
    expect(
      required.filter(
        (name) => !name.startsWith('node:') && !builtin.has(name) && !name.startsWith('@aws-sdk/'),
      ),
    ).toEqual([]);
  });
});

describe('built clickstream transform', () => {
  it('transforms the mixed fixture exactly as the source does', () => {
    const bundle = join(BUILD_DIR, 'ClickstreamTransformFunction', 'index.js');
    const event = join(REPO_ROOT, 'events', 'clickstream-transform', 'mixed.json');

    const output = runNode(`
      const { handler } = require(${JSON.stringify(bundle)});
      const context = { functionName: 'f', awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
        memoryLimitInMB: '256', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 60000 };
      handler(require(${JSON.stringify(event)}), context).then((r) => process.stdout.write(JSON.stringify(r.records.map((x) => x.result))));
    `);

    expect(JSON.parse(output)).toEqual(['Ok', 'Dropped', 'ProcessingFailed', 'Ok', 'Ok', 'ProcessingFailed']);
  });
});
