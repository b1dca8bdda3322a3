import { fakeSubstitution } from './substitutions';
import { type Json, loadTemplate, resource } from './template';

/**
 * The variables a function's template gives it (its stack's Globals, then its own), with intrinsics
 * replaced by realistic fakes: what the function reads at cold start, for running it
 * in-process (the workflow harness) or in a fresh process (bundle tests, benchmarks).
 */
export function functionEnvironment(logicalId: string): Record<string, string> {
  const template = loadTemplate();
  const variablesOf = (environment: Json | undefined) =>
    ((environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as Record<
      string,
      Json
    >;
  // loadTemplate() carries each stack's Globals on its functions.
  const variables = variablesOf(resource(template, logicalId).Properties?.Environment);
  const runLocally = new Set(['POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS']);
  return Object.fromEntries(
    Object.entries(variables)
      .filter(([name]) => !runLocally.has(name))
      .map(([name, value]) => [name, fakeSubstitution(template, value)]),
  );
}
