import { RunRequestError } from '../../../functions/catalog-then-etl/plan';
import { LoadValidationError } from '../../../functions/redshift-load/identifiers';
import { dispatchStep, InvalidInputError, UnknownStepError } from '../../../functions/shared/errors';

describe('shared errors', () => {
  it('lets a caller tell bad input by class while each function keeps the name its workflow catches', () => {
    for (const [error, name] of [
      [new RunRequestError('x'), 'RunRequestError'],
      [new LoadValidationError('x'), 'LoadValidationError'],
      [new UnknownStepError('x'), 'UnknownStepError'],
    ] as const) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.name).toBe(name);
    }
  });

  it('runs the handler of the step it is given, and names the steps it has for any other', async () => {
    const steps = { plan: (e: { step?: unknown; n?: number }) => (e.n ?? 0) + 1 };

    expect(dispatchStep({ step: 'plan', n: 2 }, steps)).toBe(3);
    for (const event of [{ step: 'toString' }, { step: 'report' }, null, {}]) {
      expect(() => dispatchStep(event, steps)).toThrow(
        expect.objectContaining({
          name: 'UnknownStepError',
          message: expect.stringMatching(/^step must be "plan", got /),
        }),
      );
    }
  });
});
