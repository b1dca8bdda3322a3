import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from './repo';

/**
 * AWS's own service models, as botocore ships them (pinned in requirements-tools.txt and
 * installed into .venv): the oracle the contract checks and the harness stubs answer to. They are
 * the same Smithy-derived JSON every AWS SDK is generated from, so a parameter, an output member,
 * an enum value or an exception name is checked against AWS, not against our beliefs.
 */

export interface ShapeRef {
  readonly shape: string;
  readonly location?: string;
  readonly locationName?: string;
}

export interface Shape {
  readonly type: string;
  readonly members?: Record<string, ShapeRef>;
  readonly required?: string[];
  readonly enum?: string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly exception?: boolean;
  readonly error?: { code?: string };
}

export interface Operation {
  readonly name: string;
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
  readonly errors?: ShapeRef[];
}

export interface ServiceModel {
  readonly service: string;
  readonly metadata: { endpointPrefix: string; serviceId: string; signingName?: string; protocol: string };
  readonly operations: Record<string, Operation>;
  readonly shapes: Record<string, Shape>;
}

function botocoreDataDir(): string {
  const lib = join(REPO_ROOT, '.venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  const dir = python && join(lib, python, 'site-packages', 'botocore', 'data');
  if (!dir || !existsSync(dir))
    throw new Error(
      'botocore service models not found in .venv: run `make deps` (requirements-tools.txt pins botocore)',
    );
  return dir;
}

const models = new Map<string, ServiceModel>();

/** The newest API version botocore has of a service, by its botocore name (e.g. `redshift-data`). */
export function serviceModel(service: string): ServiceModel {
  const cached = models.get(service);
  if (cached) return cached;
  const serviceDir = join(botocoreDataDir(), service);
  if (!existsSync(serviceDir)) throw new Error(`botocore has no service model named ${service}`);
  const version = readdirSync(serviceDir).sort().at(-1) as string;
  const base = join(serviceDir, version, 'service-2.json');
  const text = existsSync(`${base}.gz`)
    ? gunzipSync(readFileSync(`${base}.gz`)).toString('utf8')
    : readFileSync(base, 'utf8');
  const model = { service, ...(JSON.parse(text) as Omit<ServiceModel, 'service'>) };
  models.set(service, model);
  return model;
}

/** An operation by its API name, given as the model spells it or in Step Functions' camelCase. */
export function operation(model: ServiceModel, name: string): Operation {
  const found = Object.values(model.operations).find((op) => op.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new Error(`${model.service} has no operation ${name}`);
  return found;
}

export function shape(model: ServiceModel, name: string): Shape {
  const found = model.shapes[name];
  if (!found) throw new Error(`${model.service} has no shape ${name}`);
  return found;
}

/** The exception shapes an operation declares (its modelled errors). */
export function modelledErrors(model: ServiceModel, operationName: string): string[] {
  return (operation(model, operationName).errors ?? []).map((e) => e.shape);
}

export const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

export interface ValidationOptions {
  /** Step Functions' names: every member Pascal-cased (aws-sdk integrations, `states:` tasks). */
  readonly pascalCase?: boolean;
  /** ASL Parameters: keys ending in `.$` are paths whose value is known only at run time. */
  readonly dynamicKeys?: boolean;
  /** Members whose value Step Functions accepts as JSON rather than the modelled type. */
  readonly jsonMembers?: readonly string[];
  /** Ignore members absent from the shape (never for inputs; for output wrappers we add). */
  readonly extraMembers?: readonly string[];
  /** What an SDK v3 client hands its caller: a timestamp as a Date, a blob as bytes or a stream. */
  readonly sdkValues?: boolean;
}

/** Every way `value` breaks the shape: unknown members, missing required ones, bad enum literals, types. */
export function shapeProblems(
  model: ServiceModel,
  ref: ShapeRef,
  value: unknown,
  options: ValidationOptions = {},
  path = '$',
): string[] {
  const target = shape(model, ref.shape);
  const problems: string[] = [];
  const where = (p: string) => `${path}${p}`;
  switch (target.type) {
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return [`${path}: expected an object (${ref.shape}), got ${JSON.stringify(value)?.slice(0, 60)}`];
      const members = target.members ?? {};
      const byName = new Map(
        Object.entries(members).map(([name, member]) => [
          options.pascalCase ? capitalize(name) : name,
          member,
        ]),
      );
      const given = new Set<string>();
      for (const [rawKey, inner] of Object.entries(value)) {
        // A member set to undefined is absent: JSON drops it, and so does the SDK's serializer.
        if (inner === undefined) continue;
        const dynamic = options.dynamicKeys === true && rawKey.endsWith('.$');
        const key = dynamic ? rawKey.slice(0, -2) : rawKey;
        given.add(key);
        const member = byName.get(key);
        if (!member) {
          if (!options.extraMembers?.includes(key))
            problems.push(
              `${where(`.${key}`)}: not a member of ${ref.shape} (members: ${[...byName.keys()].join(', ')})`,
            );
          continue;
        }
        if (dynamic || options.jsonMembers?.includes(key)) continue;
        problems.push(...shapeProblems(model, member, inner, options, where(`.${key}`)));
      }
      for (const required of target.required ?? []) {
        const name = options.pascalCase ? capitalize(required) : required;
        if (!given.has(name)) problems.push(`${where(`.${name}`)}: required by ${ref.shape} but absent`);
      }
      return problems;
    }
    case 'list': {
      if (!Array.isArray(value)) return [`${path}: expected a list (${ref.shape})`];
      return value.flatMap((item, i) =>
        shapeProblems(model, target.member as ShapeRef, item, options, where(`[${i}]`)),
      );
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return [`${path}: expected a map (${ref.shape})`];
      return Object.entries(value).flatMap(([k, v]) => {
        const key = options.dynamicKeys && k.endsWith('.$') ? k.slice(0, -2) : k;
        if (key !== k) return [];
        return shapeProblems(model, target.value as ShapeRef, v, options, where(`.${key}`));
      });
    }
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string (${ref.shape})`];
      if (target.enum && !target.enum.includes(value))
        return [
          `${path}: ${JSON.stringify(value)} is not one of ${ref.shape}'s values ${target.enum.join(', ')}`,
        ];
      return [];
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : [`${path}: expected a number (${ref.shape})`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean (${ref.shape})`];
    case 'timestamp':
      // By its tag, not instanceof: a Date made by Node's fs in another realm is a Date too.
      if (options.sdkValues)
        return Object.prototype.toString.call(value) === '[object Date]' ? [] : [`${path}: expected a Date`];
      // Crossing a state boundary a Date is an ISO string; Step Functions may also give epoch numbers.
      return typeof value === 'string' || typeof value === 'number' ? [] : [`${path}: expected a timestamp`];
    case 'blob':
      if (options.sdkValues)
        return value instanceof Uint8Array ||
          typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function'
          ? []
          : [`${path}: expected bytes or a stream`];
      return typeof value === 'string' ? [] : [`${path}: expected a blob as a string`];
    default:
      return [];
  }
}

export interface PathStep {
  /** The member reached, or undefined when the path leaves the model. */
  readonly member?: string;
  readonly required: boolean;
  readonly shape?: string;
}

/**
 * Walks a result path (`ResultSet.Rows[1].Data[0].VarCharValue`) through an output shape and says,
 * step by step, whether AWS must send each member. A list index is never guaranteed either.
 */
export function walkPath(
  model: ServiceModel,
  root: ShapeRef,
  segments: readonly (string | number)[],
  pascalCase: boolean,
): { steps: PathStep[]; unknown?: string } {
  const steps: PathStep[] = [];
  let current: Shape = shape(model, root.shape);
  let currentName = root.shape;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (current.type !== 'list') return { steps, unknown: `[${segment}] on ${currentName}, not a list` };
      currentName = (current.member as ShapeRef).shape;
      current = shape(model, currentName);
      steps.push({ member: `[${segment}]`, required: false, shape: currentName });
      continue;
    }
    if (current.type === 'map') {
      currentName = (current.value as ShapeRef).shape;
      current = shape(model, currentName);
      steps.push({ member: segment, required: false, shape: currentName });
      continue;
    }
    if (current.type !== 'structure')
      return { steps, unknown: `.${segment} on ${currentName} (${current.type})` };
    const entry = Object.entries(current.members ?? {}).find(
      ([name]) => (pascalCase ? capitalize(name) : name) === segment,
    );
    if (!entry) return { steps, unknown: `.${segment} is not a member of ${currentName}` };
    const [name, ref] = entry;
    steps.push({ member: segment, required: (current.required ?? []).includes(name), shape: ref.shape });
    currentName = ref.shape;
    current = shape(model, currentName);
  }
  return { steps };
}

/** A CloudFormation registry schema (as cfn-lint ships them): its properties and each handler's IAM permissions. */
export interface ResourceSchema {
  readonly typeName: string;
  readonly createOnlyProperties?: readonly string[];
  readonly handlers?: Readonly<Record<string, { readonly permissions?: readonly string[] }>>;
}

/** The registry schema of a resource type, from the us-east-1 provider index cfn-lint pins. */
export function resourceSchema(type: string): ResourceSchema {
  const schemas = join(botocoreDataDir(), '..', '..', 'cfnlint', 'data', 'schemas');
  const index = JSON.parse(readFileSync(join(schemas, 'providers', 'us-east-1.json'), 'utf8')) as Record<
    string,
    string
  >;
  const hash = index[type];
  if (!hash) throw new Error(`cfn-lint has no registry schema for ${type}`);
  return JSON.parse(readFileSync(join(schemas, 'resources', `${hash}.json`), 'utf8')) as ResourceSchema;
}
