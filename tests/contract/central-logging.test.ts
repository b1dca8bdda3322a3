import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/repo';
import { operation, serviceModel, shapeProblems } from '../../offline/service-models';
import { type Json, loadTemplate, parseTemplate, resource, type Template } from '../../offline/template';

/**
 * The central-logging resources against CloudWatch Logs' service model: each resource's
 * properties are the request CloudFormation makes (PutDestination, PutDestinationPolicy,
 * PutAccountPolicy), and every action the policies grant is an operation AWS has.
 */
const logs = serviceModel('logs');
const everySender = {
  SenderAccountIds: ['111111111111'],
  SenderOrganizationId: 'o-abcdefghij',
  SubscribeAllLogGroups: 'true',
  AccountPolicyExcludedLogGroupNames: ['/aws/lambda/noisy'],
  ExcludedLogGroupNames: ['/aws/lambda/noisy'],
};

function requestProblems(template: Template, id: string, request: string, omit: string[] = []) {
  const properties = evaluate(template, resource(template, id).Properties as Json, everySender) as Record<
    string,
    Json
  >;
  const sent = Object.fromEntries(Object.entries(properties).filter(([key]) => !omit.includes(key)));
  return shapeProblems(logs, { shape: request }, sent, { pascalCase: true });
}

const actionsOf = (policy: string) =>
  (JSON.parse(policy) as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action);

describe('central logging against the CloudWatch Logs service model', () => {
  const template = loadTemplate();

  it('the destination is a PutDestination request, and its policy a PutDestinationPolicy access policy', () => {
    const policy = String(
      evaluate(
        template,
        resource(template, 'CloudWatchLogsDestination').Properties?.DestinationPolicy as Json,
        everySender,
      ),
    );

    expect(
      requestProblems(template, 'CloudWatchLogsDestination', 'PutDestinationRequest', ['DestinationPolicy']),
    ).toEqual([]);
    expect(
      shapeProblems(
        logs,
        { shape: 'PutDestinationPolicyRequest' },
        { destinationName: 'd', accessPolicy: policy },
      ),
    ).toEqual([]);
    for (const action of actionsOf(policy))
      expect(operation(logs, action.replace(/^logs:/, '')).name).toBeTruthy();
  });

  it('the account-level policy is a PutAccountPolicy request (type and scope from the model)', () => {
    expect(
      requestProblems(template, 'CloudWatchLogsAccountSubscriptionPolicy', 'PutAccountPolicyRequest'),
    ).toEqual([]);
  });

  it("the member template's policy is a PutAccountPolicy request too", () => {
    const member = parseTemplate(readFileSync(join(REPO_ROOT, 'templates', 'log-sender.yaml'), 'utf8'));

    expect(requestProblems(member, 'AccountSubscriptionPolicy', 'PutAccountPolicyRequest')).toEqual([]);
  });
});
