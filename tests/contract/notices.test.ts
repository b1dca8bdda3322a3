import { unnotifiedFailures } from '../../offline/contracts';
import { loadDefinition, stateMachineIds } from '../../offline/state-machines';

// "A workflow ends in success or in a named failure that notifies": every path to a Fail state
// passes a notice first. What ends without one by design is listed in unnotifiedFailures.
describe.each(stateMachineIds())('%s', (logicalId) => {
  it('sends a notice on every path that ends the execution FAILED', () => {
    expect(unnotifiedFailures(loadDefinition(logicalId))).toEqual([]);
  });
});
