/**
 * Input a handler refuses. Each function's own error extends it and keeps the name the
 * workflows catch (`RunRequestError`, `LoadValidationError`, …), so a caller can tell bad
 * input from a fault by class, and the ASL by name.
 */
export class InvalidInputError extends Error {
  override readonly name: string = 'InvalidInputError';
}

/** A step-router handler was given a step it does not have. */
export class UnknownStepError extends InvalidInputError {
  override readonly name = 'UnknownStepError';
}

type StepEvent = { readonly step?: unknown };

/**
 * Runs the handler of `event.step`. The workflows call one function for several steps; a step
 * it does not have fails by name, listing the ones it has.
 */
export function dispatchStep<E extends StepEvent, R>(
  event: E | null | undefined,
  steps: { readonly [step: string]: (event: E) => R },
): R {
  const step = event?.step;
  const run = typeof step === 'string' && Object.hasOwn(steps, step) ? steps[step] : undefined;
  if (!run || !event) {
    throw new UnknownStepError(
      `step must be ${Object.keys(steps)
        .map((s) => `"${s}"`)
        .join(', ')}, got ${JSON.stringify(step)}`,
    );
  }
  return run(event);
}

/**
 * What an event that is not a handler's input looks like, for the error that refuses it: an
 * EventBridge event by its detail-type and source, a batch of records by their event source,
 * anything else by its keys.
 */
export function whatWasSent(event: unknown): string {
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    return `a JSON ${event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event}`;
  const input = event as Record<string, unknown>;
  if (typeof input['detail-type'] === 'string')
    return `an EventBridge "${input['detail-type']}" event from ${String(input.source)}`;
  const records = input.Records ?? input.records;
  if (Array.isArray(records)) {
    const first = (records[0] ?? {}) as Record<string, unknown>;
    const source = first.eventSource ?? first.EventSource;
    return `a batch of ${records.length} ${source ? `${String(source)} ` : ''}records`;
  }
  const keys = Object.keys(input);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 6).join(', ')}`;
}
