import {
  type AnyState,
  allStates,
  inputPathUses,
  pathSegments,
  presenceChecks,
  resultSelectorUses,
} from './asl';
import { integration, STATES_ERRORS } from './integrations';
import { shapeProblems, walkPath } from './service-models';

/**
 * Contract checks of state machine definitions and stub answers against AWS's service models
 * and Step Functions' documented behaviour (offline/integrations.ts). Each returns the problems
 * it finds as sentences; an empty list is a pass.
 */

type Definition = { States: Record<string, unknown> };

const serviceTasks = (definition: Definition) =>
  allStates(definition).filter(
    ([, state]) => state.Type === 'Task' && String(state.Resource).startsWith('arn:aws:states:::'),
  );

/** A stub's answer for a Task, checked against the operation's output shape. */
export function outputProblems(key: string, answer: unknown): string[] {
  const target = integration(key);
  if (!target.output) return answer && Object.keys(answer as object).length > 0 ? ['expected no output'] : [];
  const sfnIntegration = key.startsWith('states:');
  return shapeProblems(target.model, target.output, answer, {
    // The SFN API is camelCase; its optimized integration answers Pascal-cased, Output parsed.
    pascalCase: sfnIntegration,
    jsonMembers: sfnIntegration ? ['Output', 'Input'] : target.jsonMembers,
    extraMembers: target.outputExtras,
  });
}

/** Every Task's Parameters are members of the operation's input, required ones present, enums valid. */
export function parameterProblems(definition: Definition): string[] {
  return serviceTasks(definition).flatMap(([name, state]) => {
    const target = integration(String(state.Resource));
    if (!target.input) return [];
    return shapeProblems(target.model, target.input, state.Parameters ?? {}, {
      pascalCase: target.pascalCase,
      dynamicKeys: true,
      jsonMembers: target.jsonMembers,
    }).map((problem) => `"${name}" (${target.resource}) Parameters${problem.slice(1)}`);
  });
}

/**
 * Every error a Retry or Catch names can surface from its Task: a `States.*` error, an error the
 * integration raises, or (for a Lambda task) an error type the function's own code throws.
 */
export function errorNameProblems(
  definition: Definition,
  functionErrors: (state: AnyState) => ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const raised = resource.startsWith('arn:aws:states:::')
      ? integration(resource).errorNames
      : new Set<string>();
    const own = resource.includes('lambda') ? functionErrors(state) : new Set<string>();
    const handlers = [
      ...((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).map((r) => ['Retry', r] as const),
      ...((state.Catch as { ErrorEquals: string[] }[] | undefined) ?? []).map((c) => ['Catch', c] as const),
    ];
    for (const [kind, handler] of handlers)
      for (const error of handler.ErrorEquals)
        if (!STATES_ERRORS.has(error) && !raised.has(error) && !own.has(error))
          problems.push(
            `"${name}" ${kind} names ${error}, which ${resource.replace('arn:aws:states:::', '')} never raises`,
          );
  }
  return [...new Set(problems)];
}

/**
 * Members botocore marks optional that the call cannot answer without, for the request this
 * project sends (each listed under "first deploy checks" in docs/operations.md, which `make
 * verify-aws` exercises). Keys are `Operation:Member.Member[]`; a list index step is `[]`.
 */
export const ALWAYS_SENT: Record<string, string> = {
  'GetCrawler:Crawler': 'GetCrawler of an existing crawler; a missing one is EntityNotFoundException',
  'GetCrawler:Crawler.State': 'a crawler is always READY, RUNNING or STOPPING',
  'GetCrawler:Crawler.LastCrawl.Status':
    'read only once LastCrawl is shown present; a crawl that ran has a status',
  'DescribeStacks:Stacks': 'DescribeStacks by StackName answers with that stack or a ValidationError',
  'DescribeStacks:Stacks[]': 'the one stack named',
  'DescribeStacks:Stacks[].Parameters': 'the stack declares parameters (Timestamp at least)',
  'DescribeStackEvents:StackEvents': 'a stack always has its creation events',
  'DescribeTable:ColumnList': 'the load asks for a table the DDL step created',
  'BatchExecuteStatement:Id': 'the statement id is what a submitted statement answers with',
  'JobRun:Id': 'a .sync result is GetJobRun of the run it started',
  'JobRun:ExecutionTime': 'a .sync result is a finished run (a failed one raises States.TaskFailed)',
  'GetQueryExecution:QueryExecution': 'a .sync result is GetQueryExecution of the finished query',
  'GetQueryExecution:QueryExecution.QueryExecutionId': 'the query described',
  'GetQueryExecution:QueryExecution.ResultConfiguration': 'the workgroup enforces an output location',
  'GetQueryExecution:QueryExecution.ResultConfiguration.OutputLocation':
    'the workgroup enforces an output location',
  'GetQueryResults:ResultSet': 'results of a succeeded query',
  'GetQueryResults:ResultSet.Rows': 'results of a succeeded query',
  'GetQueryResults:ResultSet.Rows[]':
    'the summary groups by GROUPING SETS with (), so it has a header and a total row even for an empty range',
  'GetQueryResults:ResultSet.Rows[].Data': 'every row has its cells',
  'GetQueryResults:ResultSet.Rows[].Data[]': 'the summary has ten columns',
  'GetQueryResults:ResultSet.Rows[].Data[].VarCharValue':
    'every headline column of sql/athena/001_hourly_summary.sql is COUNT or COALESCE(SUM, 0), never NULL (a DuckDB test checks it)',
  'DescribeStatement:Status': 'DescribeStatement reports the status of the statement it polls',
  'DescribeStatement:Error': 'read only once Status is FAILED, when the Data API states the error',
  'DescribeStatement:SubStatements': 'every statement polled is a BatchExecuteStatement batch',
  'DescribeExecution:Output': 'a .sync:2 result is a SUCCEEDED child, which has its output',
  'UpdateItem:Attributes': 'the lock update asks for ReturnValues ALL_NEW',
  'GetObject:Body': 'GetObject of an existing object; a missing one is NoSuchKey',
  'GetStatementResult:Records[]': 'the counts statement returns one row',
  'GetStatementResult:Records[][]': 'the counts statement returns three columns',
  'GetStatementResult:Records[][].LongValue': 'the counts are COUNT(*) values, never NULL',
};

/** `Operation:Member.Member[]` for the first `upTo` steps of a walked path. */
function stepKey(rootShape: string, steps: readonly { member?: string }[], upTo: number): string {
  const members = steps
    .slice(0, upTo + 1)
    .map((step) => (step.member?.startsWith('[') ? '[]' : `.${step.member}`))
    .join('')
    .replace(/^\./, '');
  return `${rootShape.replace(/(Response|Output)$/, '')}:${members}`;
}

const startsWithPath = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * Every path read from a service result is required in the output shape, guarded by an
 * `IsPresent` check, or listed in ALWAYS_SENT with the reason: AWS omits optional members, and a
 * missing path is `States.Runtime`, which no Catch handles. ResultSelector paths cannot be guarded
 * (the selector runs before any Choice).
 */
export function resultPathProblems(definition: Definition): string[] {
  const states = allStates(definition);
  const guarded = states.flatMap(([, state]) => presenceChecks(state));
  const problems: string[] = [];
  for (const [name, state] of serviceTasks(definition)) {
    const target = integration(String(state.Resource));
    const output = target.output;
    if (!output || target.resource === 'lambda:invoke') continue;
    const jsonMembers = target.resource.startsWith('states:') ? ['Output', 'Input'] : target.jsonMembers;
    /**
     * The optional steps of a path into the raw result that nothing vouches for. `mounted` steps
     * (a ResultSelector's own path) are the selector's to answer for; the rest sit at `guardPrefix`
     * in the state, where an IsPresent check can guard them.
     */
    const unvouched = (segments: (string | number)[], guardPrefix?: string, mounted = 0) => {
      const json = segments.findIndex((s) => typeof s === 'string' && jsonMembers.includes(s));
      const modelled = json >= 0 ? segments.slice(0, json + 1) : segments;
      const walked = walkPath(target.model, output, modelled, target.pascalCase);
      if (walked.unknown) return { unknown: walked.unknown, steps: [] as string[] };
      const steps = walked.steps.flatMap((step, i) => {
        if (step.required || ALWAYS_SENT[stepKey(output.shape, walked.steps, i)]) return [];
        if (guardPrefix !== undefined) {
          if (i < mounted) return [];
          const path = `${guardPrefix}${modelled
            .slice(mounted, i + 1)
            .map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`))
            .join('')}`;
          // `IsPresent` on the optional member, or on a path below it, proves it present.
          if (guarded.some((g) => startsWithPath(g, path))) return [];
        }
        return [String(step.member)];
      });
      return { steps };
    };
    for (const use of resultSelectorUses(name, state)) {
      const segments = pathSegments(use.path);
      if (!segments) continue;
      const { unknown, steps } = unvouched(segments);
      if (unknown) problems.push(`"${name}" ResultSelector reads ${use.path}: ${unknown}`);
      for (const member of steps)
        problems.push(
          `"${name}" ResultSelector reads ${use.path}, but ${member} is optional in ${output.shape}`,
        );
    }
    if (state.ResultPath === null) continue;
    const resultPath = typeof state.ResultPath === 'string' ? state.ResultPath : '$';
    if (resultPath === '$') continue;
    // Where parts of the raw result land in the state: all of it at ResultPath, or each
    // ResultSelector field that is a plain path at ResultPath.<field>.
    const mounts: { at: string; from: (string | number)[] }[] = state.ResultSelector
      ? Object.entries(state.ResultSelector as Record<string, unknown>).flatMap(([key, value]) => {
          const from = key.endsWith('.$') && typeof value === 'string' ? pathSegments(value) : undefined;
          return from ? [{ at: `${resultPath}.${key.slice(0, -2)}`, from }] : [];
        })
      : [{ at: resultPath, from: [] }];
    for (const mount of mounts) {
      const mountSegments = pathSegments(mount.at) ?? [];
      for (const [reader, readerState] of states)
        for (const use of inputPathUses(reader, readerState)) {
          if (!startsWithPath(use.path, mount.at)) continue;
          const rest = pathSegments(use.path)?.slice(mountSegments.length);
          if (!rest || rest.length === 0) continue;
          const { unknown, steps } = unvouched([...mount.from, ...rest], mount.at, mount.from.length);
          // A path this output does not have belongs to another writer of the same ResultPath.
          if (unknown) continue;
          for (const member of steps)
            problems.push(
              `"${reader}" ${use.field} reads ${use.path} from "${name}", but ${member} is optional in ${output.shape} and no IsPresent check guards it`,
            );
        }
    }
  }
  return [...new Set(problems)];
}

/** The states a top-level state can go to next: Next, Choice branches and Default, Catch targets. */
function successors(state: AnyState): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const choice of (state.Choices ?? []) as { Next?: string }[]) if (choice.Next) next.push(choice.Next);
  for (const c of (state.Catch ?? []) as { Next?: string }[]) if (c.Next) next.push(c.Next);
  return next;
}

const NOTICE = 'arn:aws:states:::sns:publish';

/**
 * Every way an execution can end FAILED without having sent a notice: a path from StartAt to a
 * top-level Fail state that passes no sns:publish Task. A notice that itself failed, and
 * failures Step Functions raises outside the definition (a timeout, States.Runtime), end
 * without one by design: the workflow's failed-executions alarm notifies then.
 */
export function unnotifiedFailures(definition: Definition & { StartAt: string }): string[] {
  const states = definition.States as Record<string, AnyState>;
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (name: string, path: string[]) => {
    const state = states[name];
    if (!state || seen.has(name)) return;
    seen.add(name);
    if (state.Type === 'Task' && state.Resource === NOTICE) return;
    if (state.Type === 'Fail') {
      problems.push(`${[...path, name].join(' → ')} fails without a notice`);
      return;
    }
    for (const next of successors(state)) walk(next, [...path, name]);
  };
  walk(definition.StartAt, []);
  return problems;
}
