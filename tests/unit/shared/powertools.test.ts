import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../../offline/lambda-context';

/** The shared Powertools module, fresh, with metrics on and what it prints captured. */
function loadPowertools() {
  const printed: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const env = { ...process.env };
  Object.assign(process.env, {
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_DEV: 'false',
    PIPELINE: 'test-pipe',
  });
  let module: typeof import('../../../functions/shared/powertools') | undefined;
  jest.isolateModules(() => {
    module = require('../../../functions/shared/powertools');
  });
  process.env = env;
  const emf = () =>
    printed
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => '_aws' in l);
  return { powertools: module as NonNullable<typeof module>, emf, warnings };
}

afterEach(() => jest.restoreAllMocks());

describe('publishesMetrics', () => {
  it("publishes an invocation's metrics only when it added some, with no warning", async () => {
    const { powertools, emf, warnings } = loadPowertools();
    const { metrics, MetricUnit, publishesMetrics } = powertools;
    class Step {
      @publishesMetrics()
      async handler(event: { count?: number }, _context: Context) {
        if (event.count) metrics.addMetric('Things', MetricUnit.Count, event.count);
        return 'done';
      }
    }
    const step = new Step();

    expect(await step.handler({}, lambdaContext())).toBe('done');
    await step.handler({}, lambdaContext());
    await step.handler({ count: 3 }, lambdaContext());

    expect(emf().map((m) => m.Things)).toEqual([3]);
    expect(emf()[0]).toMatchObject({ Pipeline: 'test-pipe' });
    expect(warnings).not.toHaveBeenCalled();
  });

  it('publishes what a failed invocation added before it failed', async () => {
    const { powertools, emf } = loadPowertools();
    const { metrics, MetricUnit, publishesMetrics } = powertools;
    class Step {
      @publishesMetrics()
      async handler(_event: unknown, _context: Context) {
        metrics.addMetric('Tried', MetricUnit.Count, 1);
        throw new Error('boom');
      }
    }

    await expect(new Step().handler({}, lambdaContext())).rejects.toThrow('boom');

    expect(emf().some((m) => m.Tried === 1)).toBe(true);
  });
});
