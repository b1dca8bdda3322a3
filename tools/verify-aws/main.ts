import { parseArgs } from 'node:util';
import { table, verify } from './verify';

// make verify-aws [STACK=loglake-dev]: after `sam deploy`, with credentials for the account.
const { values } = parseArgs({ options: { stack: { type: 'string', default: 'loglake-dev' } } });
verify({ stackName: String(values.stack) })
  .then((rows) => {
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(
      "\nThe remaining first deploy checks (docs/operations.md) are shown by these executions' histories in the Step Functions console.\n",
    );
    process.exit(rows.some((r) => r.result === 'FAIL') ? 1 : 0);
  })
  .catch((error: unknown) => {
    process.stderr.write(`verify-aws failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
