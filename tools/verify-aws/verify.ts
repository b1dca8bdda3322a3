import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CHECKS, type Check, type DeployedStack, judge } from './checks';

export interface Row {
  readonly workflow: string;
  readonly input: string;
  readonly result: 'PASS' | 'FAIL' | 'SKIP';
  readonly detail: string;
  readonly execution?: string;
}

export interface VerifyOptions {
  readonly stackName: string;
  readonly cloudFormation?: CloudFormationClient;
  readonly sfn?: SFNClient;
  /** Seconds between DescribeExecution polls, and the most to wait for one execution. */
  readonly pollSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

async function deployedStack(client: CloudFormationClient, stackName: string): Promise<DeployedStack> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  return {
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    parameters: Object.fromEntries(
      (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    ),
  };
}

async function runCheck(
  check: Check,
  stack: DeployedStack,
  options: Required<VerifyOptions>,
  n: number,
): Promise<Row> {
  const arn = stack.outputs[check.output];
  if (!arn)
    return {
      workflow: check.workflow,
      input: check.inputName,
      result: 'SKIP',
      detail: `no ${check.output} output (not deployed with these parameters)`,
    };
  const name = `verify-aws-${options.now().toISOString().replace(/[:.]/g, '')}-${n}`;
  const { executionArn } = await options.sfn.send(
    new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(check.input(stack)) }),
  );
  const deadline = options.now().getTime() + options.timeoutSeconds * 1000;
  for (;;) {
    const execution = await options.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      const verdict = judge(check, {
        status: String(execution.status),
        error: execution.error,
        cause: execution.cause,
      });
      return {
        workflow: check.workflow,
        input: check.inputName,
        result: verdict.pass ? 'PASS' : 'FAIL',
        detail: verdict.detail,
        execution: executionArn,
      };
    }
    if (options.now().getTime() > deadline)
      return {
        workflow: check.workflow,
        input: check.inputName,
        result: 'FAIL',
        detail: `still RUNNING after ${options.timeoutSeconds} s`,
        execution: executionArn,
      };
    await options.sleep(options.pollSeconds * 1000);
  }
}

/** Runs every check against the deployed stack, one after another, and returns a row each. */
export async function verify(options: VerifyOptions): Promise<Row[]> {
  const resolved: Required<VerifyOptions> = {
    cloudFormation: options.cloudFormation ?? new CloudFormationClient({}),
    sfn: options.sfn ?? new SFNClient({}),
    pollSeconds: 10,
    timeoutSeconds: 900,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    ...options,
  };
  const stack = await deployedStack(resolved.cloudFormation, resolved.stackName);
  const rows: Row[] = [];
  for (const [n, check] of CHECKS.entries()) rows.push(await runCheck(check, stack, resolved, n));
  return rows;
}

/** The rows as a plain-text table. */
export function table(rows: readonly Row[]): string {
  const header = ['result', 'workflow', 'input', 'detail'];
  const cells = rows.map((r) => [r.result, r.workflow, r.input, r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
