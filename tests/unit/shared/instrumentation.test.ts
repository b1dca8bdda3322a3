import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../offline/fixtures';
import { functionEnvironment } from '../../../offline/function-environment';
import { loadTemplate, resourcesOfType } from '../../../offline/template';

const functionsDir = join(REPO_ROOT, 'functions');
// Each function's folder (not shared/, nor the package.json sam build looks for).
const handlers = readdirSync(functionsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
  .map(({ name }) => [name, readFileSync(join(functionsDir, name, 'index.ts'), 'utf8')] as const);
/** Handlers whose responses are large (Firehose records up to 6 MB, SQL, key listings). */
const LARGE_RESPONSES = [
  'clickstream-transform',
  'cloudwatch-logs-transform',
  'redshift-load',
  'usage-plan-keys',
];

describe('one instrumentation style', () => {
  it.each(handlers)(
    '%s: traced, logged with its context, metrics published only when there are some',
    (_name, source) => {
      expect(source).toMatch(/@tracer\.captureLambdaHandler\(/);
      expect(source).toMatch(/@logger\.injectLambdaContext\(\{ resetKeys: true \}\)/);
      expect(source).toMatch(/@publishesMetrics\(\)/);
      // logMetrics warns on every invocation without metrics; the dimension comes from PIPELINE.
      expect(source).not.toMatch(/logMetrics|setDefaultDimensions/);
    },
  );

  it.each(LARGE_RESPONSES)('%s keeps its response out of the X-Ray trace', (name) => {
    const source = handlers.find(([n]) => n === name)?.[1];
    expect(source).toMatch(/@tracer\.captureLambdaHandler\(\{ captureResponse: false \}\)/);
  });

  it('gives every function its Pipeline dimension through PIPELINE', () => {
    const ids = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(([id]) => id);
    expect(ids.length).toBe(handlers.length);
    for (const id of ids) expect(functionEnvironment(id).PIPELINE).toMatch(/^[a-z-]+$/);
  });
});
