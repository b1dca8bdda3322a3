import type { ExecutionReport } from '../../offline/harness';
import { loadTemplate, resource } from '../../offline/template';
import { startLocalSession } from '../local/session';

/**
 * Runs a state machine of the templates once on an input, through the offline runtime, with
 * every task answered on this machine as the demo answers it (real handlers, local Spark for
 * Glue, DuckDB for Athena, PGlite for Redshift, S3 in a folder). Each state entered is
 * written as it happens.
 */
export async function invokeWorkflow(
  logicalId: string,
  input: unknown,
  options: { storeRoot: string; write: (line: string) => void },
): Promise<ExecutionReport> {
  if (resource(loadTemplate(), logicalId).Type !== 'AWS::Serverless::StateMachine')
    throw new Error(`${logicalId} is not a state machine of the templates`);
  const session = await startLocalSession({
    storeRoot: options.storeRoot,
    now: new Date(),
    trailDays: 3,
    onEvent: (_machine, event) => {
      if (event.type === 'StateEntered') options.write(`› ${event.state.name}`);
      if (event.type === 'ExecutionFailed') options.write(`✗ ${event.Error}: ${event.Cause}`);
    },
  });
  try {
    return await session.run(logicalId, input);
  } finally {
    await session.close();
  }
}
