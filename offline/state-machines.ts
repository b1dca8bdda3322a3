import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { allStates } from './asl';
import { REPO_ROOT } from './fixtures';
import { fakeSubstitution } from './substitutions';
import { type Json, loadTemplate, resource, type Template } from './template';

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const STATE_MACHINE_TYPES = new Set(['AWS::Serverless::StateMachine']);

export interface StateMachineSource {
  readonly logicalId: string;
  readonly definitionPath: string;
  readonly text: string;
  readonly substitutions: Record<string, Json>;
}

export function stateMachineIds(template: Template = loadTemplate()): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => STATE_MACHINE_TYPES.has(r.Type))
    .map(([id]) => id);
}

export function stateMachineSource(
  logicalId: string,
  template: Template = loadTemplate(),
): StateMachineSource {
  const properties = resource(template, logicalId).Properties ?? {};
  const uri = properties.DefinitionUri;
  if (typeof uri !== 'string')
    throw new Error(`${logicalId}: DefinitionUri must be a path to an .asl.json file`);
  const definitionPath = join(REPO_ROOT, uri);
  return {
    logicalId,
    definitionPath,
    text: existsSync(definitionPath) ? readFileSync(definitionPath, 'utf8') : '',
    substitutions: (properties.DefinitionSubstitutions ?? {}) as Record<string, Json>,
  };
}

export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No substitution for ${whole}`);
    // Values land inside JSON strings: escape them as JSON would.
    return JSON.stringify(value).slice(1, -1);
  });
}

const definitions = new Map<string, StateMachineDefinition>();

/**
 * The definition as Step Functions would receive it, with fake ARNs and names
 * substituted. One object per state machine, so state coverage can follow it.
 */
export function loadDefinition(logicalId: string): StateMachineDefinition {
  let definition = definitions.get(logicalId);
  if (!definition) {
    definition = buildDefinition(logicalId, loadTemplate());
    definitions.set(logicalId, definition);
  }
  return definition;
}

function buildDefinition(logicalId: string, template: Template): StateMachineDefinition {
  const source = stateMachineSource(logicalId, template);
  const values = Object.fromEntries(
    Object.entries(source.substitutions).map(([key, value]) => [key, fakeSubstitution(template, value)]),
  );
  return JSON.parse(substitute(source.text, values)) as StateMachineDefinition;
}

export { type AnyState, allStates } from './asl';

/**
 * What `make test` checks on every state machine: the file exists and is JSON, it is
 * valid ASL, its placeholders and DefinitionSubstitutions match exactly, and it uses
 * only JSONPath (the offline engine cannot run JSONata or Assign).
 */
export function definitionProblems(source: StateMachineSource): string[] {
  if (!source.text) return [`DefinitionUri ${source.definitionPath} does not exist or is empty`];
  const problems: string[] = [];
  const placeholders = new Set([...source.text.matchAll(PLACEHOLDER)].map((m) => m[1] as string));
  const keys = new Set(Object.keys(source.substitutions));
  for (const name of placeholders)
    if (!keys.has(name)) problems.push(`\${${name}} has no DefinitionSubstitutions entry`);
  for (const name of keys)
    if (!placeholders.has(name)) problems.push(`DefinitionSubstitutions.${name} is never used`);

  let definition: { QueryLanguage?: string; States: Record<string, unknown> };
  try {
    definition = JSON.parse(
      substitute(source.text, Object.fromEntries([...placeholders].map((p) => [p, `x${p}`]))),
    );
  } catch (error) {
    return [...problems, `not valid JSON: ${(error as Error).message}`];
  }
  if (definition.QueryLanguage === 'JSONata')
    problems.push('QueryLanguage JSONata is not allowed (use JSONPath)');
  for (const [name, state] of allStates(definition)) {
    if (state.QueryLanguage === 'JSONata') problems.push(`state "${name}" uses JSONata`);
    if ('Assign' in state) problems.push(`state "${name}" uses Assign (variables are not supported offline)`);
    for (const jsonataOnly of ['Arguments', 'Output'])
      if (jsonataOnly in state) problems.push(`state "${name}" has the JSONata-only field ${jsonataOnly}`);
  }
  const arnSafe = substitute(
    source.text,
    Object.fromEntries(
      [...placeholders].map((p) => [p, `arn:aws:lambda:eu-west-1:123456789012:function:${p}`]),
    ),
  );
  const { isValid, errorsText } = aslValidator(JSON.parse(arnSafe), { checkArn: false, checkPaths: true });
  if (!isValid) problems.push(`invalid ASL: ${errorsText('; ')}`);
  return problems;
}

/** The template state machine a fake ARN (as definitions receive it) names. */
export function stateMachineLogicalId(arn: string, template: Template = loadTemplate()): string {
  const found = stateMachineIds(template).find(
    (id) => fakeSubstitution(template, { 'Fn::GetAtt': [id, 'Arn'] }) === arn,
  );
  if (!found) throw new Error(`No template state machine has the ARN ${arn}`);
  return found;
}
