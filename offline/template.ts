import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { REPO_ROOT } from './fixtures';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Parameters?: Record<string, Record<string, Json>>;
  Conditions?: Record<string, Json>;
  Globals?: { Function?: Record<string, Json>; StateMachine?: Record<string, Json> };
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Description?: string; Value: Json }>;
}

const INTRINSICS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub'];
const CONDITIONS = ['And', 'Equals', 'If', 'Not', 'Or'];

/** CloudFormation short-form tags (`!Ref`, `!Sub`, `!GetAtt`…) read as their long JSON form. */
const cloudFormationTags: (ScalarTag | CollectionTag)[] = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': splitGetAtt(value) }) },
  {
    tag: '!GetAtt',
    collection: 'seq',
    resolve: (value) => ({ 'Fn::GetAtt': (value as { toJSON(): Json }).toJSON() }),
  } as CollectionTag,
  ...[...INTRINSICS, ...CONDITIONS].flatMap((name) => [
    { tag: `!${name}`, resolve: (value: string) => ({ [`Fn::${name}`]: value }) } as ScalarTag,
    {
      tag: `!${name}`,
      collection: 'seq',
      resolve: (value) => ({ [`Fn::${name}`]: (value as { toJSON(): Json }).toJSON() }),
    } as CollectionTag,
    {
      tag: `!${name}`,
      collection: 'map',
      resolve: (value) => ({ [`Fn::${name}`]: (value as { toJSON(): Json }).toJSON() }),
    } as CollectionTag,
  ]),
];

function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf('.');
  return [value.slice(0, dot), value.slice(dot + 1)];
}

export function parseTemplate(text: string): Template {
  return parse(text, { customTags: cloudFormationTags, maxAliasCount: -1 }) as Template;
}

let cached: Template | undefined;

/** template.yaml, parsed with CloudFormation's short-form tags. */
export function loadTemplate(path = join(REPO_ROOT, 'template.yaml')): Template {
  if (path === join(REPO_ROOT, 'template.yaml')) {
    cached ??= parseTemplate(readFileSync(path, 'utf8'));
    return cached;
  }
  return parseTemplate(readFileSync(path, 'utf8'));
}

export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resource(template: Template, logicalId: string): TemplateResource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`template.yaml has no resource ${logicalId}`);
  return found;
}

/** The TypeScript entry point of a template function (its CodeUri and esbuild EntryPoints). */
export function functionEntry(logicalId: string, template: Template = loadTemplate()): string {
  const fn = resource(template, logicalId);
  if (fn.Type !== 'AWS::Serverless::Function')
    throw new Error(`${logicalId} is not an AWS::Serverless::Function`);
  const codeUri = String((fn.Properties?.CodeUri ?? template.Globals?.Function?.CodeUri ?? '.') as Json);
  const entry = (fn.Metadata?.BuildProperties as { EntryPoints?: string[] } | undefined)?.EntryPoints?.[0];
  if (!entry) throw new Error(`${logicalId} has no Metadata.BuildProperties.EntryPoints`);
  return join(REPO_ROOT, codeUri, entry);
}
