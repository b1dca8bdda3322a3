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
