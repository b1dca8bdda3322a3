import { evaluate } from './conditions';
import type { Json, Template } from './template';

/**
 * What the central-logging resources decide, evaluated from the templates for given parameters:
 * the log groups the account-level subscription policy leaves out, and the accounts the
 * destination policy admits. The tests check the templates with these; the demo routes its
 * simulated accounts' payloads by them.
 */

/** The names in the account policy's `LogGroupName NOT IN [...]` selection criteria. */
export function accountPolicyExclusions(
  template: Template,
  parameters: Record<string, Json>,
  logicalId = 'CloudWatchLogsAccountSubscriptionPolicy',
): { criteria: string; names: string[] } {
  const properties = template.Resources[logicalId]?.Properties as Record<string, Json> | undefined;
  const criteria = String(evaluate(template, properties?.SelectionCriteria ?? null, parameters));
  const list = /^LogGroupName NOT IN (\[.*\])$/.exec(criteria)?.[1];
  if (!list) throw new Error(`${logicalId}: not a LogGroupName NOT IN [...] criterion: ${criteria}`);
  return { criteria, names: JSON.parse(list) as string[] };
}

export interface DestinationStatement {
  Sid: string;
  Effect: string;
  Principal: '*' | { AWS: string[] };
  Action: string[];
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

/** The destination's access policy, parsed. */
export function destinationPolicy(
  template: Template,
  parameters: Record<string, Json>,
): { Version: string; Statement: DestinationStatement[] } {
  const properties = template.Resources.CloudWatchLogsDestination?.Properties as Record<string, Json>;
  return JSON.parse(String(evaluate(template, properties.DestinationPolicy as Json, parameters)));
}

/** Whether the policy lets an account (in an organisation, or none) subscribe to the destination. */
export function admits(
  policy: { Statement: DestinationStatement[] },
  account: string,
  organizationId?: string,
): boolean {
  return policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.includes('logs:PutAccountPolicy') &&
      (s.Principal === '*'
        ? organizationId !== undefined && s.Condition?.StringEquals?.['aws:PrincipalOrgID'] === organizationId
        : s.Principal.AWS.includes(account)),
  );
}
