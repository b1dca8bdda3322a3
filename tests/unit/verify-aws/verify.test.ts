import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runStateMachine } from '../../../offline/harness';
import { ServiceStubs } from '../../../offline/stubs';
import { CHECKS, judge } from '../../../tools/verify-aws/checks';
import { table, verify } from '../../../tools/verify-aws/verify';

const cloudFormation = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const arn = (name: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:loglake-dev-${name}`;

/** The deployed stack without a Redshift load (UseRedshift false): that check is skipped. */
function deployed() {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'loglake-dev',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Parameters: [
          { ParameterKey: 'Timestamp', ParameterValue: '2026-10-22T134500Z' },
          { ParameterKey: 'TimestampB', ParameterValue: '2026-11-22T134500Z' },
          { ParameterKey: 'ApiKeyNewestSlot', ParameterValue: 'B' },
        ],
        Outputs: [
          { OutputKey: 'CloudTrailBackfillStateMachineArn', OutputValue: arn('cloudtrail-backfill') },
          { OutputKey: 'CompletionTokenStateMachineArn', OutputValue: arn('completion-token') },
          { OutputKey: 'CatalogThenEtlStateMachineArn', OutputValue: arn('catalog-then-etl') },
          { OutputKey: 'ApiKeyRotationStateMachineArn', OutputValue: arn('api-key-rotation') },
        ],
      },
    ],
  });
  sfn.on(StartExecutionCommand).callsFake((input) => ({
    executionArn: `${input.stateMachineArn}:${input.name}`.replace(':stateMachine:', ':execution:'),
    startDate: new Date(),
  }));
}

describe('make verify-aws', () => {
  beforeEach(() => {
    cloudFormation.reset();
    sfn.reset();
  });

  it('starts each deployed workflow once, waits for it, and reports pass, fail and skip', async () => {
    deployed();
    let polls = 0;
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
      polls += 1;
      const base = { executionArn, stateMachineArn: 'x', startDate: new Date() };
      if (polls === 1) return { ...base, status: 'RUNNING' };
      if (String(executionArn).includes('completion-token'))
        return { ...base, status: 'FAILED', error: 'CompletionToken.NotATokenEvent', cause: 'not a token' };
      if (String(executionArn).includes('catalog-then-etl'))
        return { ...base, status: 'FAILED', error: 'States.Runtime', cause: 'path not found' };
      return { ...base, status: 'SUCCEEDED' };
    });

    const rows = await verify({
      stackName: 'loglake-dev',
      cloudFormation: cloudFormation as unknown as CloudFormationClient,
      sfn: sfn as unknown as SFNClient,
      sleep: async () => undefined,
      now: () => new Date('2026-12-01T12:00:00Z'),
    });

    expect(rows.map((r) => [r.workflow, r.result])).toEqual([
      ['CloudTrail backfill', 'PASS'],
      ['Completion token', 'PASS'],
      ['Catalog then ETL', 'FAIL'],
      ['Redshift load', 'SKIP'],
      ['API key rotation', 'PASS'],
    ]);
    expect(rows[2]?.detail).toContain('States.Runtime');
    // The rotation is asked for the newest slot's timestamp, which the stack has: only verification.
    const rotation = sfn
      .commandCalls(StartExecutionCommand)
      .find((c) => c.args[0].input.stateMachineArn?.includes('rotation'));
    expect(JSON.parse(String(rotation?.args[0].input.input))).toEqual({ timestamp: '2026-11-22T134500Z' });
    expect(table(rows)).toMatch(/^result\s+workflow\s+input\s+detail\n/);
  });

  it('fails a check whose workflow failed under another name than the expected one', () => {
    const tokenCheck = CHECKS.find((c) => c.workflow === 'Completion token');
    expect(tokenCheck && judge(tokenCheck, { status: 'FAILED', error: 'States.Permissions' })).toMatchObject({
      pass: false,
    });
  });

  it('expects of the completion-token workflow what it does offline with the same input', async () => {
    const check = CHECKS.find((c) => c.workflow === 'Completion token');
    const stubs = new ServiceStubs();
    stubs.on('sns:publish').resolves({ MessageId: 'm-1' });

    const run = await runStateMachine(
      'CompletionTokenStateMachine',
      check?.input({ outputs: {}, parameters: {} }),
      { stubs },
    );

    expect(
      check && judge(check, { status: run.status, ...(run.error && { error: run.error }) }),
    ).toMatchObject({ pass: true });
  });
});
