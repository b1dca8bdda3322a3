import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { REPO_ROOT } from './fixtures';
import { FAKE_ACCOUNT, FAKE_REGION, FAKE_STACK } from './substitutions';

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
  Transform?: Json;
  Parameters?: Record<string, Record<string, Json>>;
  Conditions?: Record<string, Json>;
  Rules?: Record<string, Json>;
  Globals?: { Function?: Record<string, Json>; StateMachine?: Record<string, Json> };
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Description?: string; Value: Json }>;
}

const INTRINSICS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub'];
// Contains is a rule function (Rules), read the same way.
const CONDITIONS = ['And', 'Contains', 'Equals', 'If', 'Not', 'Or'];

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
/** template.yaml's resources that live in a nested stack → the Application that holds each. */
const rootNestedIn = new Map<string, string>();

/**
 * template.yaml as one template: each pipeline's nested stack (an `AWS::Serverless::Application`
 * whose Location is a file under stacks/) is read in place of its Application, its parameters
 * replaced by the values the root passes, and the root's `Outputs.X` of it by what X is. So every
 * resource keeps its logical id and its references point at the root's resources, as if the
 * stack were one: the tests, the harness and the demo read pipelines where they now live.
 */
export function loadTemplate(path = join(REPO_ROOT, 'template.yaml')): Template {
  if (path === join(REPO_ROOT, 'template.yaml')) {
    cached ??= flattened(parseTemplate(readFileSync(path, 'utf8')), REPO_ROOT, rootNestedIn);
    return cached;
  }
  return flattened(parseTemplate(readFileSync(path, 'utf8')), dirname(path), new Map());
}

/** The Application (nested stack) a resource lives in, or undefined for the root's own. */
export function nestedStackOf(logicalId: string): string | undefined {
  loadTemplate();
  return rootNestedIn.get(logicalId);
}

/** Where `sam build` puts a function's bundle: under its nested stack's Application, if it has one. */
export function builtFunctionDir(logicalId: string): string {
  const stack = nestedStackOf(logicalId);
  return join(REPO_ROOT, '.aws-sam', 'build', ...(stack ? [stack] : []), logicalId);
}

/**
 * `root` with its Applications read in place. A pipeline stack's resources keep their ids; a
 * module a stack uses (stacks/modules/, e.g. one function's alarms) may be used many times, so
 * its resources are named after the Application that uses it (`<Application><Id>`).
 */
function flattened(root: Template, rootDir: string, nestedIn: Map<string, string>, depth = 0): Template {
  const resources: Record<string, TemplateResource> = {};
  const conditions: Record<string, Json> = { ...(root.Conditions ?? {}) };
  const outputs = new Map<string, Json>();
  for (const [id, res] of Object.entries(root.Resources)) {
    const location = res.Properties?.Location;
    if (res.Type !== 'AWS::Serverless::Application' || typeof location !== 'string') {
      resources[id] = res;
      continue;
    }
    const childPath = join(rootDir, location);
    if (!existsSync(childPath)) throw new Error(`${id}: no nested stack at ${location}`);
    const inner = new Map<string, string>();
    const read = flattened(
      parseTemplate(readFileSync(childPath, 'utf8')),
      dirname(childPath),
      inner,
      depth + 1,
    );
    const child = depth === 0 ? read : renamed(read, (childId) => `${id}${childId}`);
    const given = (res.Properties?.Parameters ?? {}) as Record<string, Json>;
    const values = new Map<string, Json>();
    for (const [name, parameter] of Object.entries(child.Parameters ?? {})) {
      const value = given[name] ?? parameter.Default;
      if (value === undefined) throw new Error(`${id} gives ${location} no ${name}`);
      // A list crosses into a nested stack joined (stack parameters are strings); inside it is the list again.
      const joined = (value as { 'Fn::Join'?: [string, Json] } | null)?.['Fn::Join'];
      const list = parameter.Type === 'CommaDelimitedList' && Array.isArray(joined) && joined[0] === ',';
      values.set(name, list ? (joined[1] as Json) : value);
    }
    // The nested stack's own id (`!Ref AWS::StackId` inside it): not the root's.
    values.set('AWS::StackId', nestedStackId(id));
    const inRoot = (value: Json) => substituted(value, values);
    const childCodeUri = child.Globals?.Function?.CodeUri;
    for (const [childId, childResource] of Object.entries(child.Resources)) {
      if (resources[childId] || root.Resources[childId])
        throw new Error(`${childId} is in the root and in ${location}`);
      const moved = inRoot(childResource as unknown as Json) as unknown as TemplateResource;
      // Local paths (code, definitions, Glue scripts) are relative to the template that names them.
      const fromRoot = (path: string) => relative(rootDir, join(dirname(childPath), path));
      const properties = moved.Properties ?? {};
      if (moved.Type === 'AWS::Serverless::Function') {
        // The child's Globals apply to its functions only: carry them on each function.
        const merged = withGlobals(inRoot((child.Globals?.Function ?? {}) as Json), properties);
        const codeUri = merged.CodeUri ?? childCodeUri;
        moved.Properties = typeof codeUri === 'string' ? { ...merged, CodeUri: fromRoot(codeUri) } : merged;
      }
      if (moved.Type === 'AWS::Serverless::StateMachine' && typeof properties.DefinitionUri === 'string') {
        moved.Properties = { ...properties, DefinitionUri: fromRoot(properties.DefinitionUri) };
      }
      const command = properties.Command as { ScriptLocation?: Json } | undefined;
      const script = command?.ScriptLocation;
      if (moved.Type === 'AWS::Glue::Job' && typeof script === 'string' && !script.startsWith('s3://')) {
        moved.Properties = { ...properties, Command: { ...command, ScriptLocation: fromRoot(script) } };
      }
      // A conditional stack's resources exist under its condition (CloudFormation creates it or not).
      // One with a condition of its own exists when both hold.
      if (res.Condition) {
        if (moved.Condition && moved.Condition !== res.Condition) {
          const both = `${res.Condition}And${moved.Condition}`;
          conditions[both] = { 'Fn::And': [{ Condition: res.Condition }, { Condition: moved.Condition }] };
          moved.Condition = both;
        } else moved.Condition = res.Condition;
      }
      resources[childId] = moved;
      nestedIn.set(childId, id);
    }
    for (const [name, condition] of Object.entries(child.Conditions ?? {})) {
      const value = inRoot(condition);
      if (name in conditions && JSON.stringify(conditions[name]) !== JSON.stringify(value)) {
        throw new Error(`condition ${name} of ${location} differs from the root's`);
      }
      conditions[name] = value;
    }
    for (const [name, output] of Object.entries(child.Outputs ?? {}))
      outputs.set(`${id}.Outputs.${name}`, inRoot(output.Value));
  }
  const template: Template = { ...root, Conditions: conditions, Resources: resources };
  return withOutputsResolved(template, outputs);
}

/** The fake id of the stack an Application nests (the root is loglake-test, its children are named after it). */
export function nestedStackId(application: string): string {
  return `arn:aws:cloudformation:${FAKE_REGION}:${FAKE_ACCOUNT}:stack/${FAKE_STACK}-${application}/nested`;
}

/** `value` with `{Ref: P}` and `${P}` of the child's parameters replaced by what the root gives. */
function substituted(value: Json, values: ReadonlyMap<string, Json>): Json {
  if (Array.isArray(value)) return value.map((v) => substituted(v, values));
  if (value === null || typeof value !== 'object') return value;
  const ref = value.Ref;
  if (typeof ref === 'string' && Object.keys(value).length === 1 && values.has(ref))
    return values.get(ref) as Json;
  const sub = value['Fn::Sub'];
  if (sub !== undefined && Object.keys(value).length === 1) {
    const [text, variables] = Array.isArray(sub)
      ? [sub[0] as string, sub[1] as Record<string, Json>]
      : [sub as string, {}];
    const local = new Set(Object.keys(variables ?? {}));
    const replaced = text.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, name: string) => {
      if (local.has(name) || !values.has(name)) return whole;
      const given = values.get(name) as Json;
      // A literal (a module's alarm component, say) reads as itself.
      if (typeof given === 'string' || typeof given === 'number') return String(given);
      return `\${${subName(given, name)}}`;
    });
    const vars = Object.fromEntries(
      Object.entries(variables ?? {}).map(([k, v]) => [k, substituted(v, values)]),
    );
    return { 'Fn::Sub': Array.isArray(sub) ? [replaced, vars] : replaced };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituted(v, values)]));
}

/** How a root value reads inside `${…}`: a Ref's name or a GetAtt's `Id.Attribute`. */
function subName(value: Json, parameter: string): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `${getAtt[0]}.${getAtt[1]}`;
  }
  throw new Error(`\${${parameter}} is given ${JSON.stringify(value)}, which a Sub cannot hold`);
}

/** The root's `!GetAtt App.Outputs.X` and `${App.Outputs.X}` replaced by what X is in the child. */
function withOutputsResolved(template: Template, outputs: ReadonlyMap<string, Json>): Template {
  if (outputs.size === 0) return template;
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && outputs.has(`${getAtt[0]}.${getAtt[1]}`))
      return outputs.get(`${getAtt[0]}.${getAtt[1]}`) as Json;
    const sub = value['Fn::Sub'];
    if (sub !== undefined && Object.keys(value).length === 1) {
      const swap = (text: string) =>
        text.replace(/\$\{([A-Za-z0-9]+\.Outputs\.[A-Za-z0-9]+)\}/g, (whole, key: string) =>
          outputs.has(key) ? `\${${subName(outputs.get(key) as Json, key)}}` : whole,
        );
      return {
        'Fn::Sub': Array.isArray(sub)
          ? [swap(sub[0] as string), resolve(sub[1] as Json)]
          : swap(sub as string),
      };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(template as unknown as Json) as unknown as Template;
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

/** `template` with each resource id renamed, and every Ref, GetAtt, `${…}` and DependsOn of it. */
function renamed(template: Template, rename: (id: string) => string): Template {
  const ids = new Set(Object.keys(template.Resources));
  const name = (id: string) => (ids.has(id) ? rename(id) : id);
  const walk = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string' && Object.keys(value).length === 1) return { Ref: name(value.Ref) };
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt))
      return { 'Fn::GetAtt': [name(String(getAtt[0])), ...getAtt.slice(1).map(walk)] };
    const sub = value['Fn::Sub'];
    if (sub !== undefined && Object.keys(value).length === 1) {
      const swap = (text: string) =>
        text.replace(
          /\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g,
          (_whole, id: string, rest = '') => `\${${name(id)}${rest}}`,
        );
      return {
        'Fn::Sub': Array.isArray(sub) ? [swap(String(sub[0])), walk(sub[1] as Json)] : swap(String(sub)),
      };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, res]) => {
      const moved = walk(res as unknown as Json) as unknown as TemplateResource;
      if (res.DependsOn) moved.DependsOn = ([] as string[]).concat(res.DependsOn).map(name);
      return [rename(id), moved];
    }),
  );
  const outputs =
    template.Outputs && (walk(template.Outputs as unknown as Json) as unknown as Template['Outputs']);
  return { ...template, Resources: resources, ...(outputs ? { Outputs: outputs } : {}) };
}

/**
 * A function's properties over its template's Globals, as SAM merges them: the function's
 * scalar wins, maps merge, lists are the global items then the function's.
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
 */
function withGlobals(globals: Json, properties: Record<string, Json>): Record<string, Json> {
  const merge = (global: Json | undefined, own: Json | undefined): Json | undefined => {
    if (own === undefined) return global;
    if (Array.isArray(global) && Array.isArray(own)) return [...global, ...own];
    const isMap = (v: Json | undefined): v is { [key: string]: Json } =>
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      !Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref');
    if (isMap(global) && isMap(own)) {
      const keys = new Set([...Object.keys(global), ...Object.keys(own)]);
      return Object.fromEntries([...keys].map((k) => [k, merge(global[k], own[k]) as Json]));
    }
    return own;
  };
  return merge(globals, properties) as Record<string, Json>;
}
