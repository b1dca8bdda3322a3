import { FAKE_ACCOUNT, FAKE_REGION, FAKE_STACK, fakeAttribute, fakeRef } from './substitutions';
import type { Json, Template } from './template';

/**
 * Evaluates the intrinsic functions CloudFormation allows in Conditions (and in the
 * values guarded by them) for given parameter values, so tests can check what a
 * template creates for a parameter choice without deploying it.
 */
/** What the pseudo parameters evaluate to (AWS::NoValue drops a property or list item). */
export const NO_VALUE = '<AWS::NoValue>';
const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': FAKE_REGION,
  'AWS::AccountId': FAKE_ACCOUNT,
  'AWS::StackName': FAKE_STACK,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::NoValue': NO_VALUE,
};

export function evaluate(template: Template, expression: Json, parameters: Record<string, Json>): Json {
  if (expression === null || typeof expression !== 'object') return expression;
  if (Array.isArray(expression))
    return expression.map((e) => evaluate(template, e, parameters)).filter((e) => e !== NO_VALUE);
  const entries = Object.entries(expression);
  if (entries.length === 0) return {};
  const [fn, raw] = entries[0] as [string, Json];
  const intrinsic = fn === 'Ref' || fn === 'Condition' || fn.startsWith('Fn::');
  if (!intrinsic) {
    // A plain object (a policy statement…): evaluate its values.
    return Object.fromEntries(
      Object.entries(expression)
        .map(([k, v]) => [k, evaluate(template, v, parameters)])
        .filter(([, v]) => v !== NO_VALUE),
    );
  }
  const args = () => (raw as Json[]).map((a) => evaluate(template, a, parameters));
  switch (fn) {
    case 'Ref': {
      const name = String(raw);
      if (name in parameters) return parameters[name] as Json;
      if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name] as Json;
      // A resource's Ref: the fake name or ARN the harness substitutes into definitions too.
      if (template.Resources[name]) return fakeRef(template, name);
      // SAM's `<Api>.Stage`: the stage it creates for a Serverless::Api, by its StageName.
      const api = template.Resources[name.replace(/\.Stage$/, '')];
      if (name.endsWith('.Stage') && api?.Type === 'AWS::Serverless::Api')
        return evaluate(template, api.Properties?.StageName as Json, parameters);
      const parameter = template.Parameters?.[name];
      if (!parameter) throw new Error(`evaluate: Ref ${name} is not a parameter`);
      const fallback = parameter.Default ?? '';
      return parameter.Type === 'CommaDelimitedList' ? String(fallback).split(',') : fallback;
    }
    case 'Condition':
      return evaluate(template, template.Conditions?.[String(raw)] ?? null, parameters);
    case 'Fn::Join': {
      const [separator, list] = args() as [string, Json[]];
      return list.map(String).join(separator);
    }
    case 'Fn::Split': {
      const [separator, text] = args() as [string, string];
      return text.split(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args() as [number, Json[]];
      if (index >= list.length) throw new Error(`evaluate: Fn::Select index ${index} out of range`);
      return list[index] as Json;
    }
    case 'Fn::Equals': {
      const [a, b] = args();
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = raw as [string, Json, Json];
      const chosen = evaluate(template, { Condition: condition }, parameters) ? whenTrue : whenFalse;
      return evaluate(template, chosen, parameters);
    }
    case 'Fn::Sub': {
      const [text, variables] = (typeof raw === 'string' ? [raw, {}] : raw) as [string, Record<string, Json>];
      // `${!name}` is a literal `${name}` (what Athena's storage templates need).
      return text.replace(/\$\{(!?)([\w:.]+)\}/g, (_whole, literal: string, name: string) =>
        literal
          ? `\${${name}}`
          : String(
              name in variables
                ? evaluate(template, variables[name] as Json, parameters)
                : name.includes('.')
                  ? evaluate(template, { 'Fn::GetAtt': name }, parameters)
                  : evaluate(template, { Ref: name }, parameters),
            ),
      );
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = (typeof raw === 'string' ? raw.split('.') : raw) as [string, string];
      try {
        return fakeAttribute(template, logicalId, attribute);
      } catch {
        return `<${logicalId}.${attribute}>`;
      }
    }
    case 'Fn::Contains': {
      // A rule function: whether the string is one of the list's.
      const [list, item] = args() as [Json[], Json];
      return list.some((member) => JSON.stringify(member) === JSON.stringify(item));
    }
    case 'Fn::Not':
      return !(args()[0] as boolean);
    case 'Fn::And':
      return args().every(Boolean);
    case 'Fn::Or':
      return args().some(Boolean);
    default:
      throw new Error(`evaluate: ${fn} is not supported`);
  }
}

/** Whether a resource is created for the given parameter values. */
export function isCreated(template: Template, logicalId: string, parameters: Record<string, Json>): boolean {
  const condition = template.Resources[logicalId]?.Condition;
  return condition === undefined || evaluate(template, { Condition: condition }, parameters) === true;
}
