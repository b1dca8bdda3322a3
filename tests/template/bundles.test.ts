import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/fixtures';
import { loadTemplate, resourcesOfType } from '../support/template';

// What `sam build` produced (make test runs it before jest): the artifacts `sam deploy` uploads.
const BUILD_DIR = join(REPO_ROOT, '.aws-sam', 'build');
const functions = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(([id]) => id);

/** Runs a script in a fresh Node process of the runtime's major, with Lambda-like variables. */
function runNode(script: string): string {
  return execFileSync(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
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
}

describe.each(functions)('sam build output of %s', (logicalId) => {
  const bundle = join(BUILD_DIR, logicalId, 'index.js');

  it('is a self-contained bundle with a source map that exports the handler', () => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`make sam-build\` (make test does) first`);

    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(runNode(`process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`)).toBe(
      'function',
    );
    expect(readFileSync(bundle, 'utf8')).not.toMatch(/require\(["']@aws-lambda-powertools/);
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
