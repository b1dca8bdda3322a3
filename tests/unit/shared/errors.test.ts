import { RunRequestError } from '../../../functions/catalog-then-etl/plan';
import { LoadValidationError } from '../../../functions/redshift-load/identifiers';
import {
  dispatchStep,
  InvalidInputError,
  UnknownStepError,
  whatWasSent,
} from '../../../functions/shared/errors';

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

  it('says what an event that is not the input was, in a few words', () => {
    expect(whatWasSent({ 'detail-type': 'Object Created', source: 'aws.s3' })).toBe(
      'an EventBridge "Object Created" event from aws.s3',
    );
    expect(whatWasSent({ Records: [{ eventSource: 'aws:sqs' }, {}] })).toBe('a batch of 2 aws:sqs records');
    expect(whatWasSent({ records: [] })).toBe('a batch of 0 records');
    expect(whatWasSent({ a: 1, b: 2 })).toBe('an object with a, b');
    expect(whatWasSent({})).toBe('an empty object');
    expect(whatWasSent(null)).toBe('a JSON null');
    expect(whatWasSent([1])).toBe('a JSON array');
    expect(whatWasSent('x')).toBe('a JSON string');
  });
});
