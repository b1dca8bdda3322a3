import { allStates } from '../../offline/asl';
import { evaluate, isCreated } from '../../offline/conditions';
import { integration } from '../../offline/integrations';
import { samTransformed } from '../../offline/sam-template';
import { loadDefinition, stateMachineIds } from '../../offline/state-machines';
import type { Json, Template } from '../../offline/template';
import { grants, roleStatements } from '../support/iam';

/**
 * After the SAM transform, each state machine's role grants what Step Functions documents each of
 * its Tasks needs (offline/integrations.ts, "IAM policies for integrated services"), in every
 * parameter choice that creates the state machine: a statement behind a condition the Task is not
 * behind is a deploy that fails (CreateStateMachine validates .sync roles) or a run that does.
 */

const PARAMETER_CHOICES: Record<string, string>[] = [
  {},
  { CreateRedshiftServerless: 'true' },
  { RedshiftWorkgroupName: 'analytics' },
  { KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000000' },
  { ConfigureApiGatewayAccount: 'false', AccessLogsBucketName: 'central-access-logs' },
];

describe.each(PARAMETER_CHOICES)('state machine roles after the SAM transform, with %j', (choice) => {
  const template = samTransformed('loglake-test', { Stage: 'dev', ...choice }) as unknown as Template;

  it.each(stateMachineIds())(
    '%s: its role grants every action its Tasks need, on their resources',
    (logicalId) => {
      const machine = template.Resources[logicalId];
      if (!machine || !isCreated(template, logicalId, choice)) return;
      const roleArn = machine.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] } | undefined;
      const roleId = roleArn?.['Fn::GetAtt']?.[0] ?? `${logicalId}Role`;
      const statements = roleStatements(template, roleId, choice);
      const missing: string[] = [];
      for (const [name, state] of allStates(loadDefinition(logicalId))) {
        if (state.Type !== 'Task' || !String(state.Resource).startsWith('arn:aws:states:::')) continue;
        const parameters = (state.Parameters ?? {}) as Record<string, Json>;
        for (const need of integration(String(state.Resource)).iam) {
          const resource =
            need.resource.kind === 'arn'
              ? need.resource.arn
              : need.resource.kind === 'parameter' && typeof parameters[need.resource.member] === 'string'
                ? need.resource.arn(String(parameters[need.resource.member]))
                : undefined;
          for (const action of need.actions)
            if (!grants(statements, action, resource))
              missing.push(`"${name}" needs ${action} on ${resource ?? 'its resource'} (${need.source})`);
        }
      }
      expect(missing).toEqual([]);
    },
  );
});

describe('schedule roles after the SAM transform, with a customer-managed key', () => {
  const choice = PARAMETER_CHOICES[3] as Record<string, string>;
  const template = samTransformed('loglake-test', { Stage: 'dev', ...choice }) as unknown as Template;
  const schedules = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Scheduler::Schedule',
  );

  it.each(schedules.map(([id]) => id))(
    '%s may start its target, send to its dead-letter queue and use the key',
    (id) => {
      const target = template.Resources[id]?.Properties?.Target as Record<string, Json>;
      const roleId = (target.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = roleStatements(template, roleId, choice);
      const arn = (value: Json) => String(evaluate(template, value, choice));
      const targetArn = arn(target.Arn as Json);
      const action = targetArn.includes(':states:') ? 'states:StartExecution' : 'lambda:InvokeFunction';

      expect(grants(statements, action, targetArn)).toBe(true);
      expect(
        grants(
          statements,
          'sqs:SendMessage',
          arn((target.DeadLetterConfig as Record<string, Json>).Arn as Json),
        ),
      ).toBe(true);
      const managed = JSON.stringify(template.Resources[roleId]?.Properties?.ManagedPolicyArns ?? []);
      expect(managed).toContain('CmkUsePolicy');
    },
  );
});
