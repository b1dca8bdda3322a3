import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { recordStatesEntered, statesNeverEntered } from '../../offline/harness';
import { loadDefinition } from '../../offline/state-machines';

/**
 * Call once at the top of a workflow test file: after the file's tests, it fails the
 * file if any state of the definition was never entered by one of them.
 */
export function trackStateCoverage(definitionOrLogicalId: StateMachineDefinition | string): void {
  const definition =
    typeof definitionOrLogicalId === 'string' ? loadDefinition(definitionOrLogicalId) : definitionOrLogicalId;
  const seen = recordStatesEntered(definition);
  afterAll(() => {
    const missing = statesNeverEntered(definition, seen);
    if (missing.length > 0) throw new Error(`States no test entered: ${missing.join(', ')}`);
  });
}
