import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import { functionEnvironment } from '../../offline/function-environment';

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * Loads a function's handler (functions/<folder>/index.ts) with its template environment,
 * metrics and INFO logs switched on, capturing what it prints as parsed JSON lines.
 */
export function loadInstrumentedHandler(
  logicalId: string,
  folder: string,
): { handler: Handler; lines: () => Record<string, unknown>[] } {
  const printed: string[] = [];
  // Outside POWERTOOLS_DEV, Powertools writes straight to stdout, as the Lambda runtime captures it.
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const instrumented = {
    ...functionEnvironment(logicalId),
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_DEV: 'false',
  };
  // Set while the module loads and while each call runs: Powertools also reads them later
  // (a single metric is a new Metrics instance).
  const withEnvironment = <T>(run: () => T): T => {
    const saved = { ...process.env };
    Object.assign(process.env, instrumented);
    const restore = () => {
      process.env = saved;
    };
    try {
      const result = run();
      if (result instanceof Promise) return result.finally(restore) as T;
      restore();
      return result;
    } catch (error) {
      restore();
      throw error;
    }
  };
  let loaded: Handler | undefined;
  withEnvironment(() =>
    jest.isolateModules(() => {
      loaded = require(join(REPO_ROOT, 'functions', folder, 'index')).handler;
    }),
  );
  const handler: Handler = (event, context) => withEnvironment(() => (loaded as Handler)(event, context));
  return {
    handler,
    lines: () => printed.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line)] : [])),
  };
}
