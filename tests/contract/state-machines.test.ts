import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnyState } from '../../offline/asl';
import { errorNameProblems, parameterProblems, resultPathProblems } from '../../offline/contracts';
import { REPO_ROOT } from '../../offline/fixtures';
import { loadDefinition, stateMachineIds } from '../../offline/state-machines';
import { functionEntry, loadTemplate } from '../../offline/template';

/** The error types a Lambda task's function can throw: the names its own code gives its errors. */
function functionErrors(state: AnyState): Set<string> {
  const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
  const functionName = String(parameters.FunctionName ?? state.Resource);
  const logicalId = /function:([\w-]+)/.exec(functionName)?.[1] ?? functionName;
  if (!loadTemplate().Resources[logicalId]) return new Set();
  const folder = dirname(functionEntry(logicalId));
  const sources = [folder, join(REPO_ROOT, 'functions/shared')].flatMap((dir) =>
    (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8')),
  );
  // `override readonly name = 'RunRequestError'` or `class RunRequestError extends Error`.
  const names = sources.flatMap((text) => [
    ...[...text.matchAll(/name\s*=\s*'([A-Za-z.]+)'/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/class\s+(\w+)\s+extends\s+\w*Error/g)].map((m) => m[1] as string),
  ]);
  return new Set(names);
}

describe.each(stateMachineIds())('%s against AWS service models', (logicalId) => {
  const definition = loadDefinition(logicalId);

  it('sends every Task only parameters the API has, with its required ones and valid enum values', () => {
    expect(parameterProblems(definition)).toEqual([]);
  });

  it('retries and catches only errors its Tasks can raise, by the names Step Functions gives them', () => {
    expect(errorNameProblems(definition, functionErrors)).toEqual([]);
  });

  it('reads from service results only members AWS always sends, or checks them with IsPresent first', () => {
    expect(resultPathProblems(definition)).toEqual([]);
  });
});
