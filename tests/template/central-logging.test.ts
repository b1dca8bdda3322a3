import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountPolicyExclusions, admits, destinationPolicy } from '../../offline/central-logging';
import { evaluate, isCreated, NO_VALUE } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/repo';
import { type Json, loadTemplate, parseTemplate, resource, resourcesOfType } from '../../offline/template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
const valueFor = (expression: Json, parameters: Record<string, Json>) =>
  evaluate(template, expression, parameters);

const policyFor = (parameters: Record<string, Json>) => destinationPolicy(template, parameters);
const DESTINATION_ARN = 'arn:aws:logs:eu-west-1:123456789012:destination:loglake-dev-central-logs';

describe('central logging: the destination sending accounts subscribe to', () => {
  it('is not created until an account or an organisation may send', () => {
    expect(isCreated(template, 'CloudWatchLogsDestination', {})).toBe(false);
    expect(isCreated(template, 'CloudWatchLogsDestinationRole', {})).toBe(false);
    expect(isCreated(template, 'CloudWatchLogsDestination', { SenderAccountIds: ['111111111111'] })).toBe(
      true,
    );
    expect(isCreated(template, 'CloudWatchLogsDestination', { SenderOrganizationId: 'o-abcdefghij' })).toBe(
      true,
    );
  });

  it('admits the listed accounts by id, to subscribe (filters and account policies) to this destination only', () => {
    const policy = policyFor({ SenderAccountIds: ['111111111111', '222222222222'] });

    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SenderAccounts',
          Effect: 'Allow',
          Principal: { AWS: ['111111111111', '222222222222'] },
          Action: ['logs:PutSubscriptionFilter', 'logs:PutAccountPolicy'],
          Resource: DESTINATION_ARN,
        },
      ],
    });
  });

  it('admits an organisation through aws:PrincipalOrgID, alone or beside listed accounts', () => {
    const organisation = policyFor({ SenderOrganizationId: 'o-abcdefghij' });
    const both = policyFor({
      SenderOrganizationId: 'o-abcdefghij',
      SenderAccountIds: ['111111111111'],
    });

    expect(organisation.Statement).toEqual([
      {
        Sid: 'SenderOrganization',
        Effect: 'Allow',
        Principal: '*',
        Action: ['logs:PutSubscriptionFilter', 'logs:PutAccountPolicy'],
        Resource: DESTINATION_ARN,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
      },
    ]);
    expect(both.Statement.map((s) => s.Sid)).toEqual(['SenderAccounts', 'SenderOrganization']);
    expect(admits(both, '111111111111')).toBe(true);
    expect(admits(both, '999999999999', 'o-abcdefghij')).toBe(true);
    expect(admits(both, '999999999999', 'o-zzzzzzzzzz')).toBe(false);
    expect(admits(both, '999999999999')).toBe(false);
  });

  it.each([
    [{ SenderAccountIds: ['111111111111'] }],
    [{ SenderOrganizationId: 'o-abcdefghij' }],
    [{ SenderOrganizationId: 'o-abcdefghij', SenderAccountIds: ['111111111111', '333333333333'] }],
  ])('never admits "*" without the organisation condition (%j)', (parameters) => {
    for (const statement of policyFor(parameters).Statement) {
      expect(statement.Effect).toBe('Allow');
      if (statement.Principal === '*')
        expect(statement.Condition?.StringEquals?.['aws:PrincipalOrgID']).toMatch(/^o-[a-z0-9]{10,32}$/);
    }
  });

  it('fronts the CloudWatch Logs stream, through a role CloudWatch Logs of this Region assumes to put into it only', () => {
    const destination = props('CloudWatchLogsDestination');
    const role = props('CloudWatchLogsDestinationRole');
    const [trust] = (role.AssumeRolePolicyDocument as { Statement: Json[] }).Statement;
    const [policy] = role.Policies as { PolicyDocument: { Statement: Json[] } }[];

    expect(destination.TargetArn).toEqual({ 'Fn::GetAtt': ['CloudWatchLogsDeliveryStream', 'Arn'] });
    expect(valueFor(destination.DestinationName as Json, {})).toBe('loglake-dev-central-logs');
    expect(valueFor(trust as Json, {})).toMatchObject({
      Principal: { Service: 'logs.amazonaws.com' },
      Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:*:*' } },
    });
    expect(policy?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        Resource: { 'Fn::GetAtt': ['CloudWatchLogsDeliveryStream', 'Arn'] },
      },
    ]);
  });
});

/** Every log group a stack creates, by name: its own resources, and the ones Lambda would create. */
function logGroupsTheStacksCreate(parameters: Record<string, Json>): string[] {
  const declared = resourcesOfType(template, 'AWS::Logs::LogGroup').map(([id]) =>
    String(valueFor(props(id).LogGroupName as Json, parameters)),
  );
  const implicit = resourcesOfType(template, 'AWS::Serverless::Function')
    .filter(([id]) => !(props(id).LoggingConfig as { LogGroup?: Json } | undefined)?.LogGroup)
    .map(([id]) => `/aws/lambda/${valueFor(props(id).FunctionName as Json, parameters)}`);
  return [...declared, ...implicit].sort();
}

const excludedBy = (parameters: Record<string, Json>) => accountPolicyExclusions(template, parameters);

describe("central logging: this account's log groups through one account-level policy", () => {
  it('is opt-in: it affects the whole account', () => {
    expect(isCreated(template, 'CloudWatchLogsAccountSubscriptionPolicy', {})).toBe(false);
    expect(
      isCreated(template, 'CloudWatchLogsAccountSubscriptionPolicy', { SubscribeAllLogGroups: 'true' }),
    ).toBe(true);
  });

  it.each(['dev', 'prod'])(
    'excludes every log group the stacks create (stage %s), so no transform subscribes to its own logs',
    (Stage) => {
      const created = logGroupsTheStacksCreate({ Stage });
      const { names } = excludedBy({ Stage, SubscribeAllLogGroups: 'true' });

      expect(created.length).toBeGreaterThanOrEqual(18);
      expect([...names].sort()).toEqual(created);
    },
  );

  it('adds the extra exclusions, within the 50 names and 25 KB CloudWatch Logs allows', () => {
    const extra = ['/aws/lambda/noisy', 'vpc-flow-logs'];
    const { criteria, names } = excludedBy({ AccountPolicyExcludedLogGroupNames: extra });

    expect(names.slice(-2)).toEqual(extra);
    expect(names.length).toBeLessThanOrEqual(50);
    expect(Buffer.byteLength(criteria)).toBeLessThan(25 * 1024);
    expect(criteria).toMatch(/^LogGroupName NOT IN \["[^"]+"(, "[^"]+")*\]$/);
  });

  it('sends to the stream through the subscription role, with a filter pattern that stays JSON', () => {
    const pattern = '{ $.level = \\"ERROR\\" }';
    const document = JSON.parse(
      String(
        valueFor(props('CloudWatchLogsAccountSubscriptionPolicy').PolicyDocument as Json, {
          AccountPolicyFilterPattern: pattern,
        }),
      ),
    );
    const allowed = new RegExp(
      `^${String(template.Parameters?.AccountPolicyFilterPattern?.AllowedPattern ?? 'missing')}$`,
    );

    expect(props('CloudWatchLogsAccountSubscriptionPolicy')).toMatchObject({
      PolicyType: 'SUBSCRIPTION_FILTER_POLICY',
      Scope: 'ALL',
    });
    expect(document).toEqual({
      DestinationArn: valueFor({ 'Fn::GetAtt': ['CloudWatchLogsDeliveryStream', 'Arn'] }, {}),
      RoleArn: valueFor({ 'Fn::GetAtt': ['CloudWatchLogsSubscriptionRole', 'Arn'] }, {}),
      FilterPattern: '{ $.level = "ERROR" }',
    });
    // A bare quote would end the JSON string early: the parameter refuses it.
    expect(allowed.test(pattern)).toBe(true);
    expect(allowed.test('{ $.level = "ERROR" }')).toBe(false);
    expect(allowed.test('ends in a backslash \\')).toBe(false);
  });
});

describe('central logging: the raw zone and catalog by account', () => {
  it('lets Athena project the partitions Firehose writes: account, log group, then the hour', () => {
    const table = props('CloudWatchLogsEventsTable').TableInput as {
      Parameters: Record<string, Json>;
      PartitionKeys: { Name: string }[];
    };
    const prefix = String(
      (props('CloudWatchLogsDeliveryStream').ExtendedS3DestinationConfiguration as { Prefix: string }).Prefix,
    );
    const column: Record<string, string> = { logGroup: 'log_group' };
    const asTemplate = prefix.replace(
      /!\{partitionKeyFromLambda:(\w+)\}/g,
      (_m, key: string) => `\${${column[key] ?? key}}`,
    );

    expect(valueFor(table.Parameters['storage.location.template'] as Json, {})).toBe(
      `s3://loglake-test-rawbucket/${asTemplate}`,
    );
    expect(table.PartitionKeys.map((k) => k.Name)).toEqual([
      'account',
      'log_group',
      'year',
      'month',
      'day',
      'hour',
    ]);
    expect(table.Parameters['projection.account.type']).toBe('injected');
    expect(table.Parameters['projection.enabled']).toBe('true');
  });
});

describe('central logging: the member template a sending account deploys (templates/log-sender.yaml)', () => {
  const member = parseTemplate(readFileSync(join(REPO_ROOT, 'templates', 'log-sender.yaml'), 'utf8'));
  const policy = member.Resources.AccountSubscriptionPolicy?.Properties as Record<string, Json>;
  const destination = 'arn:aws:logs:eu-west-1:123456789012:destination:loglake-dev-central-logs';
  const memberValue = (expression: Json, parameters: Record<string, Json>) =>
    evaluate(member, expression, { DestinationArn: destination, ...parameters });

  it('takes the central destination, and nothing that is not one', () => {
    const pattern = new RegExp(`^${String(member.Parameters?.DestinationArn?.AllowedPattern)}$`);

    expect(pattern.test(destination)).toBe(true);
    expect(
      pattern.test('arn:aws:firehose:eu-west-1:123456789012:deliverystream/loglake-dev-cloudwatch-logs'),
    ).toBe(false);
    expect(Object.keys(member.Parameters ?? {}).sort()).toEqual([
      'DestinationArn',
      'ExcludedLogGroupNames',
      'FilterPattern',
      'PolicyName',
    ]);
  });

  it('subscribes every log group of the account to it, with no role (the destination brings its own)', () => {
    expect(member.Resources.AccountSubscriptionPolicy?.Type).toBe('AWS::Logs::AccountPolicy');
    expect(policy).toMatchObject({ PolicyType: 'SUBSCRIPTION_FILTER_POLICY', Scope: 'ALL' });
    expect(
      JSON.parse(String(memberValue(policy.PolicyDocument as Json, { FilterPattern: 'ERROR' }))),
    ).toEqual({
      DestinationArn: destination,
      FilterPattern: 'ERROR',
    });
    expect(memberValue(policy.SelectionCriteria as Json, {})).toBe(NO_VALUE);
  });

  it('leaves out exactly the log groups it is given', () => {
    expect(
      memberValue(policy.SelectionCriteria as Json, {
        ExcludedLogGroupNames: ['/aws/lambda/forwarder', 'a b'],
      }),
    ).toBe('LogGroupName NOT IN ["/aws/lambda/forwarder", "a b"]');
  });
});
