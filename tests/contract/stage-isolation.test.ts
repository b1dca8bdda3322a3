import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, isCreated, NO_VALUE } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { samTransformed } from '../../offline/sam-template';
import { operation, serviceModel } from '../../offline/service-models';
import type { Json, Template } from '../../offline/template';

/** The `parameter_overrides` of a samconfig.toml environment's deploy section. */
function samconfigOverrides(environment: string): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'samconfig.toml'), 'utf8');
  const section = text.split(`[${environment}.deploy.parameters]`)[1]?.split('\n[')[0] ?? '';
  const line = /parameter_overrides = "(.*)"/.exec(section)?.[1] ?? '';
  return Object.fromEntries([...line.matchAll(/(\w+)=\\"([^\\]*)\\"/g)].map((m) => [m[1], m[2]]));
}

/**
 * Two stages share an account and Region (README, Deploy): after the SAM transform (which names
 * what the template leaves unnamed, e.g. ScheduleV2 schedules), no account- or Region-scoped
 * physical name may be the same in both, and every name fits its service's limit.
 */

/** Where each type keeps its physical name, and the API member whose model states its limit. */
const NAMES: Record<
  string,
  { path: string[]; limit: { service: string; operation: string; member: string } | number }
> = {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html: 3 to 63 characters.
  'AWS::S3::Bucket': { path: ['BucketName'], limit: 63 },
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html: a name is at most 64 characters.
  'AWS::Lambda::Function': { path: ['FunctionName'], limit: 64 },
  'AWS::IAM::Role': {
    path: ['RoleName'],
    limit: { service: 'iam', operation: 'CreateRole', member: 'RoleName' },
  },
  'AWS::IAM::ManagedPolicy': {
    path: ['ManagedPolicyName'],
    limit: { service: 'iam', operation: 'CreatePolicy', member: 'PolicyName' },
  },
  'AWS::StepFunctions::StateMachine': {
    path: ['StateMachineName'],
    limit: { service: 'stepfunctions', operation: 'CreateStateMachine', member: 'name' },
  },
  'AWS::Scheduler::Schedule': {
    path: ['Name'],
    limit: { service: 'scheduler', operation: 'CreateSchedule', member: 'Name' },
  },
  'AWS::Logs::LogGroup': {
    path: ['LogGroupName'],
    limit: { service: 'logs', operation: 'CreateLogGroup', member: 'logGroupName' },
  },
  'AWS::CloudWatch::Alarm': {
    path: ['AlarmName'],
    limit: { service: 'cloudwatch', operation: 'PutMetricAlarm', member: 'AlarmName' },
  },
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html: up to 255 characters.
  'AWS::CloudWatch::Dashboard': { path: ['DashboardName'], limit: 255 },
  'AWS::DynamoDB::Table': {
    path: ['TableName'],
    limit: { service: 'dynamodb', operation: 'CreateTable', member: 'TableName' },
  },
  'AWS::SQS::Queue': { path: ['QueueName'], limit: 80 },
  'AWS::SNS::Topic': { path: ['TopicName'], limit: 256 },
  'AWS::KinesisFirehose::DeliveryStream': {
    path: ['DeliveryStreamName'],
    limit: { service: 'firehose', operation: 'CreateDeliveryStream', member: 'DeliveryStreamName' },
  },
  'AWS::Glue::Job': { path: ['Name'], limit: { service: 'glue', operation: 'CreateJob', member: 'Name' } },
  'AWS::Glue::Crawler': {
    path: ['Name'],
    limit: { service: 'glue', operation: 'CreateCrawler', member: 'Name' },
  },
  'AWS::Glue::Database': {
    path: ['DatabaseInput', 'Name'],
    limit: { service: 'glue', operation: 'CreateDatabase', member: 'DatabaseInput' },
  },
  'AWS::Glue::SecurityConfiguration': {
    path: ['Name'],
    limit: { service: 'glue', operation: 'CreateSecurityConfiguration', member: 'Name' },
  },
  // https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html: pattern [a-zA-Z0-9._-]{1,128}.
  'AWS::Athena::WorkGroup': { path: ['Name'], limit: 128 },
  'AWS::RedshiftServerless::Namespace': {
    path: ['NamespaceName'],
    limit: { service: 'redshift-serverless', operation: 'CreateNamespace', member: 'namespaceName' },
  },
  'AWS::RedshiftServerless::Workgroup': {
    path: ['WorkgroupName'],
    limit: { service: 'redshift-serverless', operation: 'CreateWorkgroup', member: 'workgroupName' },
  },
  'AWS::Events::Rule': { path: ['Name'], limit: { service: 'events', operation: 'PutRule', member: 'Name' } },
  'AWS::ApiGateway::ApiKey': { path: ['Name'], limit: 1024 },
};

/** A name shape's `max` in the service model (the Glue database name sits one level down). */
function modelLimit(spec: { service: string; operation: string; member: string }): number {
  const model = serviceModel(spec.service);
  const input = model.shapes[operation(model, spec.operation).input?.shape as string];
  let ref = input?.members?.[spec.member];
  if (spec.member === 'DatabaseInput') ref = model.shapes[ref?.shape as string]?.members?.Name;
  const max = (model.shapes[ref?.shape as string] as { max?: number } | undefined)?.max;
  if (!max) throw new Error(`${spec.service} ${spec.operation}.${spec.member} states no length limit`);
  return max;
}

function physicalNames(environment: string): Map<string, string> {
  const parameters = samconfigOverrides(environment);
  const stage = parameters.Stage as string;
  const stack = `loglake-${stage}`;
  const template = samTransformed(stack, parameters) as unknown as Template;
  const values: Record<string, Json> = { 'AWS::StackName': stack, ...parameters };
  const names = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::ApiGateway::Account') {
      // One per account and Region: whoever creates it owns the account's API Gateway logging role.
      if (isCreated(template, logicalId, values))
        names.set(`${resource.Type} ${logicalId}`, 'the account setting');
      continue;
    }
    const spec = NAMES[resource.Type];
    if (!spec || !isCreated(template, logicalId, values)) continue;
    let value: Json | undefined = resource.Properties as Json;
    for (const key of spec.path) value = (value as Record<string, Json> | undefined)?.[key];
    if (value === undefined) continue;
    const name = evaluate(template, value, values);
    if (name !== NO_VALUE) names.set(`${resource.Type} ${logicalId}`, String(name));
  }
  return names;
}

describe('the two samconfig.toml stages in one account and Region', () => {
  const dev = physicalNames('default');
  const prod = physicalNames('prod');

  it('are read from samconfig.toml', () => {
    expect([samconfigOverrides('default').Stage, samconfigOverrides('prod').Stage]).toEqual(['dev', 'prod']);
  });

  it('name no account- or Region-scoped resource alike, SAM-generated names included', () => {
    const prodNames = new Map(
      [...prod].map(([resource, name]) => [`${resource.split(' ')[0]} ${name}`, resource]),
    );
    const collisions = [...dev]
      .filter(([resource, name]) => prodNames.has(`${resource.split(' ')[0]} ${name}`))
      .map(([resource, name]) => `${resource}: "${name}" in both stages`);
    expect(collisions).toEqual([]);
  });

  it('keep every explicit name within its service limit', () => {
    const tooLong = [...dev, ...prod].flatMap(([resource, name]) => {
      const spec = NAMES[resource.split(' ')[0] as string];
      if (!spec) return [];
      const limit = typeof spec.limit === 'number' ? spec.limit : modelLimit(spec.limit);
      return name.length > limit
        ? [`${resource}: "${name}" is ${name.length} characters, over ${limit}`]
        : [];
    });
    expect(tooLong).toEqual([]);
  });
});

describe("API Gateway's account-wide logging role", () => {
  const template = samTransformed('loglake-dev', { Stage: 'dev' }) as unknown as Template;

  it('is set before the stage that logs through it is created', () => {
    const [, stage] =
      Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Stage') ?? [];
    const dependsOn = [stage?.DependsOn ?? []].flat();
    const references = JSON.stringify(stage?.Properties).includes('{"Ref":"ApiGatewayAccount"}');
    expect(dependsOn.includes('ApiGatewayAccount') || references).toBe(true);
  });

  it('outlives the stage that set it, so deleting that stage leaves the others logging', () => {
    for (const id of ['ApiGatewayAccount', 'ApiGatewayLoggingRole'])
      expect(template.Resources[id]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
  });
});
