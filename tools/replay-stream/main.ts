import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { replayStreamFailures } from './replay-stream';

// npm run replay-stream -- --queue-url URL --function loglake-dev-dynamodb-stream-forwarder [--dry-run]
const { values } = parseArgs({
  options: {
    'queue-url': { type: 'string' },
    function: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
});
const queueUrl = values['queue-url'];
const functionName = values.function;
if (!queueUrl || !functionName) {
  process.stderr.write(
    'usage: npm run replay-stream -- --queue-url DLQ_URL --function FORWARDER_NAME [--dry-run]\n',
  );
  process.exit(2);
}
const lambda = new LambdaClient({});

/** Invokes the deployed forwarder, as the event source mapping would, and reads its partial batch response. */
async function forward(event: unknown): Promise<DynamoDBBatchResponse> {
  const answer = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const payload = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
  if (answer.FunctionError)
    throw new Error(`the forwarder failed (${answer.FunctionError}): ${payload.slice(0, 500)}`);
  return JSON.parse(payload) as DynamoDBBatchResponse;
}

replayStreamFailures({ queueUrl, forward, dryRun: values['dry-run'] })
  .then((totals) => {
    if (totals.failed > 0 || totals.expired > 0) process.exit(1);
  })
  .catch((error: unknown) => {
    process.stderr.write(`replay-stream failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
