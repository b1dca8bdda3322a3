import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/repo';

/**
 * What `make verify-aws` runs against a deployed stack: each workflow once, with an input from
 * events/ that changes nothing a user would miss (an empty hour, a refused request, the current
 * Timestamp), and the outcome that proves the first deploy checks of docs/operations.md.
 */
export interface Check {
  readonly workflow: string;
  /** The stack output holding the state machine's ARN. */
  readonly output: string;
  readonly input: (stack: DeployedStack) => unknown;
  readonly inputName: string;
  readonly expect: { status: 'SUCCEEDED' } | { status: 'FAILED'; error: string };
  /** What passing shows that the offline checks cannot. */
  readonly proves: string;
}

export interface DeployedStack {
  readonly outputs: Record<string, string>;
  readonly parameters: Record<string, string>;
}

const event = (path: string) => () => JSON.parse(readFileSync(join(REPO_ROOT, 'events', path), 'utf8'));

export const CHECKS: readonly Check[] = [
  {
    workflow: 'CloudTrail backfill',
    output: 'CloudTrailBackfillStateMachineArn',
    inputName: 'cloudtrail-backfill/verify-one-day.json',
    input: event('cloudtrail-backfill/verify-one-day.json'),
    expect: { status: 'SUCCEEDED' },
    proves: 'Lambda and SNS integrations, the role, the hourly CSV files of the last day',
  },
  {
    workflow: 'Completion token',
    output: 'CompletionTokenStateMachineArn',
    inputName: 'completion-token/verify-not-a-token.json',
    input: event('completion-token/verify-not-a-token.json'),
    expect: { status: 'FAILED', error: 'CompletionToken.NotATokenEvent' },
    proves: 'CreateStateMachine accepted the .sync:2 role; the failure path notifies and fails by name',
  },
  {
    workflow: 'Catalog then ETL',
    output: 'CatalogThenEtlStateMachineArn',
    inputName: 'catalog-then-etl/verify-empty-hour.json',
    input: event('catalog-then-etl/verify-empty-hour.json'),
    expect: { status: 'SUCCEEDED' },
    proves: 'the run lock (DynamoDB), the raw-zone scan and the lock release on an hour without data',
  },
  {
    workflow: 'Redshift load',
    output: 'RedshiftLoadStateMachineArn',
    inputName: 'redshift-load/invalid-table.json',
    input: event('redshift-load/invalid-table.json'),
    expect: { status: 'FAILED', error: 'RedshiftLoad.InvalidInput' },
    proves: 'the load function and the failure path; no SQL runs',
  },
  {
    workflow: 'API key rotation',
    output: 'ApiKeyRotationStateMachineArn',
    inputName: '{"timestamp": <the newest key slot\'s Timestamp>}',
    // The newest slot's timestamp is already applied: the rotation only verifies both keys.
    input: (stack) => ({
      timestamp:
        stack.parameters.ApiKeyNewestSlot === 'B' ? stack.parameters.TimestampB : stack.parameters.Timestamp,
    }),
    expect: { status: 'SUCCEEDED' },
    proves:
      'the rotation reads the stack and its key slots, and the usage plan holds exactly the newest and the previous key',
  },
];

export interface Outcome {
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
}

/** Whether an execution ended as the check expects; a sentence saying why not otherwise. */
export function judge(check: Check, outcome: Outcome): { pass: boolean; detail: string } {
  if (outcome.status !== check.expect.status)
    return {
      pass: false,
      detail: `${outcome.status}${outcome.error ? ` ${outcome.error}: ${outcome.cause ?? ''}` : ''}`.slice(
        0,
        300,
      ),
    };
  if (check.expect.status === 'FAILED' && outcome.error !== check.expect.error)
    return { pass: false, detail: `failed with ${outcome.error}, expected ${check.expect.error}` };
  return {
    pass: true,
    detail: check.expect.status === 'FAILED' ? `failed by name: ${outcome.error}` : 'succeeded',
  };
}
