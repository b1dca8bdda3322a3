import {
  type RunOptions as EngineRunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { functionEnvironment } from './function-environment';
import { lambdaContext } from './lambda-context';
import { allStates, loadDefinition } from './state-machines';
import { type LambdaInvokeResult, ServiceStubs, TaskFailure } from './stubs';
import { functionEntry, loadTemplate, resource } from './template';

type TaskStateResourceLocalHandler = NonNullable<
  NonNullable<EngineRunOptions['overrides']>['taskResourceLocalHandlers']
>;
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface ExecutionReport {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  /** The execution's error and cause, as the console shows them for a failed execution. */
  readonly error?: string;
  readonly cause?: string;
  /** Every state entered, in order (repeats included: a loop shows each pass). */
  readonly statesEntered: string[];
  readonly retries: { state: string; attempt: number }[];
  readonly caught: { state: string; error: string }[];
  readonly events: EventLog[];
}

export interface RunOptions {
  readonly stubs?: ServiceStubs;
  /** Extra context fields (e.g. Execution.Name, Execution.StartTime) for `$$.` paths. */
  readonly context?: Record<string, unknown>;
  /**
   * Count the states entered toward this definition's coverage: for a variant of a template
   * definition (e.g. with another substitution) that should cover the template's states.
   */
  readonly coverageOf?: StateMachineDefinition;
  /** The handler of a template function, when not its TypeScript source (the local demo's bundle). */
  readonly handlerFor?: (logicalId: string) => Handler;
  /** Called with each event as the execution produces it (the demo prints progress). */
  readonly onEvent?: (event: EventLog) => void;
}

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const handlerCache = new Map<string, Handler>();

/** The real TypeScript handler of a template function, loaded from its esbuild entry point. */
export function functionHandler(logicalId: string): Handler {
  const cached = handlerCache.get(logicalId);
  if (cached) return cached;
  const fn = resource(loadTemplate(), logicalId);
  const entry = functionEntry(logicalId);
  const [, exportName] = String(fn.Properties?.Handler).split('.') as [string, string];
  // The function reads its configuration at cold start, i.e. when it is required here.
  Object.assign(process.env, functionEnvironment(logicalId));
  const module = require(entry) as Record<string, Handler>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${entry} does not export ${exportName}`);
  handlerCache.set(logicalId, handler);
  return handler;
}

/** `arn:aws:lambda:…:function:Name[:alias]` or a bare name → the template logical ID. */
function functionLogicalId(functionName: string): string {
  const match = /^(?:arn:aws:lambda:[\w-]+:\d{12}:function:)?([\w-]+)(?::[\w$-]+)?$/.exec(functionName);
  if (!match) throw new Error(`Cannot resolve Lambda function ${functionName}`);
  return match[1] as string;
}

function pascalCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.charAt(0).toUpperCase() + key.slice(1),
      pascalCaseKeys(inner),
    ]),
  );
}

/** Mirrors what Step Functions reports when a Lambda function throws. */
function lambdaFailure(error: unknown): TaskFailure {
  const err = error instanceof Error ? error : new Error(String(error));
  return new TaskFailure(
    err.name,
    JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }),
  );
}

async function invokeInProcess(
  logicalId: string,
  payload: unknown,
  handlerFor: (logicalId: string) => Handler = functionHandler,
): Promise<unknown> {
  try {
    const result = await handlerFor(logicalId)(
      JSON.parse(JSON.stringify(payload ?? {})),
      lambdaContext(logicalId),
    );
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (error) {
    throw lambdaFailure(error);
  }
}

function taskHandlers(
  definition: StateMachineDefinition,
  stubs: ServiceStubs,
  handlerFor?: (logicalId: string) => Handler,
): TaskStateResourceLocalHandler {
  const handlers: TaskStateResourceLocalHandler = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resourceArn = String(state.Resource);
    if (resourceArn === 'arn:aws:states:::lambda:invoke') {
      handlers[name] = async (input) => {
        const parameters = input as { FunctionName: string; Payload?: unknown };
        // A scripted answer (e.g. Lambda.TooManyRequestsException) pre-empts the real handler.
        if (stubs.hasForState(name) || stubs.has('lambda:invoke')) {
          return (await stubs.call('lambda:invoke', name, input)) as never;
        }
        const result: LambdaInvokeResult = {
          ExecutedVersion: '$LATEST',
          Payload: await invokeInProcess(
            functionLogicalId(parameters.FunctionName),
            parameters.Payload,
            handlerFor,
          ),
          StatusCode: 200,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: '00000000-0000-4000-8000-000000000000' },
        };
        return result as never;
      };
    } else if (resourceArn.startsWith('arn:aws:lambda:')) {
      handlers[name] = async (input) =>
        (await invokeInProcess(functionLogicalId(resourceArn), input, handlerFor)) as never;
    } else if (resourceArn.startsWith('arn:aws:states:::')) {
      const key = resourceArn.slice('arn:aws:states:::'.length);
      // AWS SDK integrations answer with every field name capitalised (Data API `longValue` is
      // `LongValue` in the state's result), as Step Functions does.
      handlers[name] = async (input) =>
        (key.startsWith('aws-sdk:')
          ? pascalCaseKeys(await stubs.call(key, name, input))
          : await stubs.call(key, name, input)) as never;
    } else {
      throw new Error(`State "${name}" has a Resource the harness cannot run: ${resourceArn}`);
    }
  }
  return handlers;
}

/** Executes a definition with aws-local-stepfunctions: waits and retry pauses are zeroed. */
export async function runDefinition(
  definition: StateMachineDefinition,
  input: unknown,
  options: RunOptions = {},
): Promise<ExecutionReport> {
  const stubs = options.stubs ?? new ServiceStubs();
  const states = allStates(definition);
  // The engine may annotate the definition it runs; keep the caller's copy pristine. (Not
  // structuredClone: its objects come from another realm and fail the engine's plain-object test.)
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)), {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(definition, stubs, options.handlerFor),
      waitTimeOverrides: Object.fromEntries(states.filter(([, s]) => s.Type === 'Wait').map(([n]) => [n, 0])),
      retryIntervalOverrides: Object.fromEntries(states.filter(([, s]) => 'Retry' in s).map(([n]) => [n, 0])),
    },
    context: {
      Execution: {
        Id: 'arn:aws:states:eu-west-1:123456789012:execution:test:00000000-0000-4000-8000-000000000000',
        Name: '00000000-0000-4000-8000-000000000000',
        Input: input,
        StartTime: '2026-11-22T13:00:00.000Z',
        RoleArn: 'arn:aws:iam::123456789012:role/loglake-test-workflow',
        ...(options.context?.Execution as object | undefined),
      },
      ...options.context,
    } as never,
  });

  const events: EventLog[] = [];
  for await (const event of execution.eventLogs) {
    events.push(event);
    options.onEvent?.(event);
  }
  let output: unknown;
  try {
    output = await execution.result;
  } catch {
    // The failure is reported from the event log below.
  }
  if (stubs.unstubbed.length > 0) {
    throw new Error(
      `Unstubbed service calls (the execution is not meaningful): ${stubs.unstubbed.join(', ')}`,
    );
  }
  const failed = events.find((e) => e.type === 'ExecutionFailed');
  const statesEntered = events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
  const retries = events.flatMap((e) =>
    e.type === 'StateRetried' ? [{ state: e.state.name, attempt: e.retry.attempt }] : [],
  );
  // A StateCaught event follows the StateFailed event that carries the error it caught.
  const caught = events.flatMap((e, i) => {
    if (e.type !== 'StateCaught') return [];
    const failure = events
      .slice(0, i)
      .findLast((f) => f.type === 'StateFailed' && f.state.name === e.state.name);
    return [{ state: e.state.name, error: failure?.type === 'StateFailed' ? failure.Error : 'unknown' }];
  });
  recordCoverage(options.coverageOf ?? definition, statesEntered);
  if (failed && failed.type === 'ExecutionFailed') {
    return {
      status: 'FAILED',
      error: failed.Error,
      cause: typeof failed.Cause === 'string' ? failed.Cause : JSON.stringify(failed.Cause),
      statesEntered,
      retries,
      caught,
      events,
    };
  }
  return { status: 'SUCCEEDED', output, statesEntered, retries, caught, events };
}

/** Runs a template state machine: its ASL file with DefinitionSubstitutions filled with fakes. */
export function runStateMachine(logicalId: string, input: unknown, options: RunOptions = {}) {
  return runDefinition(loadDefinition(logicalId), input, options);
}

// ---- state coverage: every state of a workflow must be entered by some test in the file

const entered = new Map<StateMachineDefinition, Set<string>>();

function recordCoverage(definition: StateMachineDefinition, names: readonly string[]): void {
  const seen = entered.get(definition);
  if (seen) for (const name of names) seen.add(name);
}

export function statesNeverEntered(definition: StateMachineDefinition, seen: ReadonlySet<string>): string[] {
  return allStates(definition)
    .map(([name]) => name)
    .filter((name) => !seen.has(name));
}

/** Starts recording the states a definition's executions enter; the returned set fills as they run. */
export function recordStatesEntered(definition: StateMachineDefinition): ReadonlySet<string> {
  const seen = new Set<string>();
  entered.set(definition, seen);
  return seen;
}
