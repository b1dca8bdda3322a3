/** Reading Amazon States Language definitions (JSONPath only: the offline engine runs no JSONata). */

export type AslValue = null | boolean | number | string | AslValue[] | { [key: string]: AslValue };
export type AnyState = Record<string, AslValue> & { Type?: string };

/** Every state of a definition, nested Map and Parallel states included. */
export function allStates(definition: { States: Record<string, unknown> }): [string, AnyState][] {
  const found: [string, AnyState][] = [];
  for (const [name, state] of Object.entries(definition.States) as [string, AnyState][]) {
    found.push([name, state]);
    const nested = [
      state.ItemProcessor,
      state.Iterator,
      ...(Array.isArray(state.Branches) ? state.Branches : []),
    ] as unknown as ({ States: Record<string, unknown> } | undefined)[];
    for (const machine of nested) if (machine?.States) found.push(...allStates(machine));
  }
  return found;
}

/** `$.a.b[0].c` → ['a', 'b', 0, 'c']; undefined for paths with wildcards, filters or slices. */
export function pathSegments(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  if (/[*?@:]|\.\./.test(path)) return undefined;
  const segments: (string | number)[] = [];
  const pattern = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']+)'\]/gy;
  pattern.lastIndex = 1;
  let consumed = 1;
  for (let m = pattern.exec(path); m; m = pattern.exec(path)) {
    segments.push(m[2] !== undefined ? Number(m[2]) : ((m[1] ?? m[3]) as string));
    consumed = pattern.lastIndex;
  }
  return consumed === path.length ? segments : undefined;
}

/** Reference paths inside a Parameters/ResultSelector value: a path, or the arguments of an intrinsic. */
export function pathsIn(expression: string): string[] {
  if (expression.startsWith('$$')) return [];
  if (expression.startsWith('$')) return [expression];
  if (!expression.startsWith('States.')) return [];
  return [...expression.matchAll(/(?<![\w$'])\$(?!\$)[^,)\s]*/g)].map((m) => m[0]);
}

export interface PathUse {
  readonly state: string;
  readonly field: string;
  readonly path: string;
}

function templatePaths(value: AslValue | undefined, field: string, state: string, uses: PathUse[]): void {
  if (value === null || value === undefined || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) templatePaths(v, field, state, uses);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key.endsWith('.$') && typeof inner === 'string')
      for (const path of pathsIn(inner)) uses.push({ state, field: `${field}.${key}`, path });
    else templatePaths(inner, `${field}.${key}`, state, uses);
  }
}

function choicePaths(rule: AslValue, state: string, uses: PathUse[]): void {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return;
  if (typeof rule.Variable === 'string') uses.push({ state, field: 'Choice.Variable', path: rule.Variable });
  for (const [key, value] of Object.entries(rule))
    if (key.endsWith('Path') && typeof value === 'string')
      uses.push({ state, field: `Choice.${key}`, path: value });
  for (const nested of [...((rule.And as AslValue[]) ?? []), ...((rule.Or as AslValue[]) ?? [])])
    choicePaths(nested, state, uses);
  if (rule.Not) choicePaths(rule.Not, state, uses);
}

/** Every reference path a state reads from its input (not the ones it reads from a Task's raw result). */
export function inputPathUses(name: string, state: AnyState): PathUse[] {
  const uses: PathUse[] = [];
  for (const field of ['InputPath', 'ItemsPath', 'SecondsPath', 'TimestampPath', 'ErrorPath', 'CausePath'])
    if (typeof state[field] === 'string') uses.push({ state: name, field, path: state[field] as string });
  templatePaths(state.Parameters, 'Parameters', name, uses);
  templatePaths(state.ItemSelector, 'ItemSelector', name, uses);
  for (const rule of (state.Choices as AslValue[] | undefined) ?? []) choicePaths(rule, name, uses);
  return uses;
}

/** Paths a Task's ResultSelector reads from the raw service result. */
export function resultSelectorUses(name: string, state: AnyState): PathUse[] {
  const uses: PathUse[] = [];
  templatePaths(state.ResultSelector, 'ResultSelector', name, uses);
  return uses;
}

/** The paths a Choice state proves present (`"IsPresent": true`) before its branches read them. */
export function presenceChecks(state: AnyState): string[] {
  const found: string[] = [];
  const visit = (rule: AslValue) => {
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return;
    if (typeof rule.Variable === 'string' && 'IsPresent' in rule) found.push(rule.Variable);
    for (const nested of [...((rule.And as AslValue[]) ?? []), ...((rule.Or as AslValue[]) ?? [])])
      visit(nested);
    if (rule.Not) visit(rule.Not);
  };
  for (const rule of (state.Choices as AslValue[] | undefined) ?? []) visit(rule);
  return found;
}
