import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, isCreated } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { resourceSchema, serviceModel, shapeProblems } from '../../offline/service-models';
import { type Json, loadTemplate, parseTemplate, resource } from '../../offline/template';

/** The ingestion API's edge (stacks/ingestion-api.yaml): the regional web ACL, its association and its logs. */
const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
const WAF_RESOURCES = [
  'ClickstreamApiWebAcl',
  'ClickstreamApiWebAclAssociation',
  'ClickstreamApiWebAclLogging',
  'WafLogsDeliveryStream',
  'WafLogsDeliveryRole',
  'WafLogsTable',
];
type Rule = {
  Name: string;
  Priority: number;
  Action?: Record<string, unknown>;
  OverrideAction?: Record<string, unknown>;
  Statement: Record<string, Record<string, Json>>;
};
const rulesWith = (parameters: Record<string, Json>) =>
  evaluate(template, props('ClickstreamApiWebAcl').Rules as Json, parameters) as unknown as Rule[];
const rules = () => rulesWith({ Stage: 'prod' });

describe('the API web ACL', () => {
  it('protects prod by default, dev only when asked, and either when told', () => {
    for (const id of WAF_RESOURCES) {
      expect([id, isCreated(template, id, {})]).toEqual([id, false]);
      expect([id, isCreated(template, id, { Stage: 'prod' })]).toEqual([id, true]);
      expect([id, isCreated(template, id, { ProtectApiWithWaf: 'true' })]).toEqual([id, true]);
      expect([id, isCreated(template, id, { Stage: 'prod', ProtectApiWithWaf: 'false' })]).toEqual([
        id,
        false,
      ]);
    }
  });

  it('rate-limits each client IP first, then AWS managed rules: IP reputation, known bad inputs, the common rule set', () => {
    const [rate, ...managed] = rules();
    expect(rate?.Statement.RateBasedStatement).toEqual({
      Limit: 2000,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
    });
    expect(rate?.Action).toEqual({ Block: {} });
    expect(
      managed.flatMap((r) =>
        r.Statement.ManagedRuleGroupStatement ? [r.Statement.ManagedRuleGroupStatement.Name] : [],
      ),
    ).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesCommonRuleSet',
    ]);
    for (const r of managed.filter((m) => m.Statement.ManagedRuleGroupStatement))
      expect([r.Name, r.OverrideAction]).toEqual([r.Name, { None: {} }]);
    expect(new Set(rules().map((r) => r.Priority)).size).toBe(rules().length);
  });

  it('never blocks a body the API accepts: the 8 KB body rule counts, bodies beyond what WAF inspects are counted', () => {
    const common = rules().find((r) => r.Name === 'AwsCommonRuleSet');
    expect(common?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    const beyond = rules().find((r) => r.Name === 'BodyBeyondInspection');
    expect(beyond?.Action).toEqual({ Count: {} });
    expect(beyond?.Statement.SizeConstraintStatement).toMatchObject({
      FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
      ComparisonOperator: 'GT',
      Size: 65536,
    });
    expect(props('ClickstreamApiWebAcl').AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } },
    });
  });

  it('is attached to the API stage by the stage ARN AssociateWebACL documents', () => {
    const arn = evaluate(template, props('ClickstreamApiWebAclAssociation').ResourceArn as Json, {
      Stage: 'prod',
    });
    expect(arn).toMatch(/^arn:aws:apigateway:eu-west-1::\/restapis\/[^/]+\/stages\/v1$/);
    expect(props('ClickstreamApiWebAclAssociation').WebACLArn).toEqual({
      'Fn::GetAtt': ['ClickstreamApiWebAcl', 'Arn'],
    });
  });

  it('logs every request to the raw zone under waf-logs/, through a stream named aws-waf-logs-…, without the API key', () => {
    const logging = props('ClickstreamApiWebAclLogging');
    expect(logging.LogDestinationConfigs).toEqual([{ 'Fn::GetAtt': ['WafLogsDeliveryStream', 'Arn'] }]);
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: 'x-api-key' } }]);
    const stream = props('WafLogsDeliveryStream');
    expect(evaluate(template, stream.DeliveryStreamName as Json, { Stage: 'prod' })).toBe(
      'aws-waf-logs-loglake-prod-api',
    );
    const destination = stream.ExtendedS3DestinationConfiguration as Record<string, Json>;
    expect(String(destination.Prefix)).toMatch(/^waf-logs\/year=/);
    expect(String(destination.ErrorOutputPrefix)).toMatch(/^waf-logs-errors\//);
  });

  it('makes the logs a table of the catalog, over the same prefix, projected by hour', () => {
    const input = props('WafLogsTable').TableInput as Record<string, Json>;
    expect(input.Name).toBe('waf_logs');
    const parameters = input.Parameters as Record<string, Json>;
    expect(evaluate(template, parameters['storage.location.template'] as Json, {})).toBe(
      's3://loglake-test-rawbucket/waf-logs/year=${year}/month=${month}/day=${day}/hour=${hour}/',
    );
    expect((input.PartitionKeys as { Name: string }[]).map((k) => k.Name)).toEqual([
      'year',
      'month',
      'day',
      'hour',
    ]);
  });
});

describe('the web ACL against the WAFv2 model', () => {
  const wafv2 = serviceModel('wafv2');
  const request = (id: string) => evaluate(template, props(id) as Json, { Stage: 'prod' });

  it('is a CreateWebACL request, and its logging a LoggingConfiguration', () => {
    expect(shapeProblems(wafv2, { shape: 'CreateWebACLRequest' }, request('ClickstreamApiWebAcl'))).toEqual(
      [],
    );
    expect(
      shapeProblems(wafv2, { shape: 'LoggingConfiguration' }, request('ClickstreamApiWebAclLogging')),
    ).toEqual([]);
  });
});

describe('CloudFront in front of the API (PutCloudFrontInFront)', () => {
  const ON = { PutCloudFrontInFront: 'true' };
  const CLOUDFRONT_RESOURCES = [
    'ClickstreamApiDistribution',
    'ClickstreamApiKeySecret',
    'ClickstreamApiKeySecretB',
  ];
  const config = (parameters: Record<string, Json>) =>
    evaluate(template, props('ClickstreamApiDistribution').DistributionConfig as Json, parameters) as Record<
      string,
      Json
    >;
  const secretOf = (id: string) => `{{resolve:secretsmanager:loglake-test-${id}:SecretString}}`;
  const originHeaders = (parameters: Record<string, Json>) =>
    ((config(parameters).Origins as Record<string, Json>[])[0] as Record<string, Json>).OriginCustomHeaders;

  it('creates nothing by default, and leaves the keys generated by API Gateway', () => {
    for (const id of CLOUDFRONT_RESOURCES) expect([id, isCreated(template, id, {})]).toEqual([id, false]);
    for (const id of ['ClickstreamApiKey', 'ClickstreamApiKeyB'])
      expect(evaluate(template, props(id), {})).not.toHaveProperty('Value');
  });

  it("gives each key slot its secret's value, by a dynamic reference, and names the secret after the slot's timestamp", () => {
    for (const id of CLOUDFRONT_RESOURCES) expect([id, isCreated(template, id, ON)]).toEqual([id, true]);
    expect(evaluate(template, props('ClickstreamApiKey').Value as Json, ON)).toBe(
      secretOf('ClickstreamApiKeySecret'),
    );
    expect(evaluate(template, props('ClickstreamApiKeyB').Value as Json, ON)).toBe(
      secretOf('ClickstreamApiKeySecretB'),
    );
    // A new timestamp is a new Name, which Secrets Manager cannot change in place: a new secret, a new value.
    expect(evaluate(template, props('ClickstreamApiKeySecret').Name as Json, { Timestamp: 't2' })).toBe(
      'loglake-test-clickstream-key-t2',
    );
    expect(props('ClickstreamApiKeySecretB').Name).toEqual({
      'Fn::Sub': '${AWS::StackName}-clickstream-key-${TimestampB}',
    });
    // 20 to 128 alphanumeric characters, as an API key value must be.
    expect(props('ClickstreamApiKeySecret').GenerateSecretString).toEqual({
      PasswordLength: 40,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
  });

  it("sends the newest slot's key as the x-api-key origin header, and the other slot's after the next rotation", () => {
    expect(originHeaders(ON)).toEqual([
      { HeaderName: 'x-api-key', HeaderValue: secretOf('ClickstreamApiKeySecret') },
    ]);
    expect(originHeaders({ ...ON, ApiKeyNewestSlot: 'B' })).toEqual([
      { HeaderName: 'x-api-key', HeaderValue: secretOf('ClickstreamApiKeySecretB') },
    ]);
    // Updated only once both usage plan keys exist, so it never sends a key the plan does not know.
    expect(resource(template, 'ClickstreamApiDistribution').DependsOn).toEqual([
      'ClickstreamUsagePlanKey',
      'ClickstreamUsagePlanKeyB',
    ]);
  });

  it('reaches the API stage over HTTPS only, takes HTTPS only, caches nothing and keeps API Gateway its Host', () => {
    const { Origins, DefaultCacheBehavior } = config(ON) as {
      Origins: Record<string, Json>[];
      DefaultCacheBehavior: Record<string, Json>;
    };
    expect(Origins[0]).toMatchObject({
      DomainName: 'loglake-test-ClickstreamApi.execute-api.eu-west-1.amazonaws.com',
      OriginPath: `/${String(props('ClickstreamApi').StageName)}`,
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
    expect(DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    expect(DefaultCacheBehavior.AllowedMethods).toContain('POST');
  });

  it('takes a us-east-1 web ACL only when given one, and leaves the per-IP rate limit to it', () => {
    expect(config(ON)).not.toHaveProperty('WebACLId');
    const arn =
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
    expect(config({ ...ON, CloudFrontWebAclArn: arn }).WebACLId).toBe(arn);
    const pattern = new RegExp(`^(${String(template.Parameters?.CloudFrontWebAclArn?.AllowedPattern)})$`);
    expect([
      pattern.test(arn),
      pattern.test(''),
      pattern.test(arn.replace('us-east-1', 'eu-west-1')),
    ]).toEqual([true, true, false]);
    // Behind CloudFront the stage sees CloudFront's addresses: a per-IP limit there would throttle everyone at once.
    expect(rulesWith({ Stage: 'prod', ...ON }).map((r) => r.Name)).not.toContain('RatePerClientIp');
    expect(rulesWith({ Stage: 'prod', ...ON }).map((r) => r.Name)).toContain('AwsCommonRuleSet');
  });

  it('refuses to combine with signed requests, whose signature would cover the wrong host', () => {
    const rule = template.Rules?.CloudFrontOrSignedRequests as Record<string, Json>;
    expect(rule.RuleCondition).toEqual({ 'Fn::Equals': [{ Ref: 'PutCloudFrontInFront' }, 'true'] });
    expect(rule.Assertions).toMatchObject([
      { Assert: { 'Fn::Equals': [{ Ref: 'ApiRequiresSignedRequests' }, 'false'] } },
    ]);
  });

  it("lets the rotation replace the slot's secret and update this distribution, by name, and nothing more", () => {
    const statements = (
      evaluate(template, props('ApiKeyRotationStateMachine').Policies as Json, ON) as {
        Statement?: Record<string, Json>[];
      }[]
    ).flatMap((p) => p.Statement ?? []);
    const on = (prefix: string) =>
      statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith(prefix)));
    expect(on('secretsmanager:').map((s) => s.Resource)).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:loglake-test-clickstream-key-*',
      '*',
    ]);
    expect(on('secretsmanager:')[1]?.Action).toBe('secretsmanager:GetRandomPassword');
    expect(on('cloudfront:').map((s) => s.Resource)).toEqual([
      'arn:aws:cloudfront::123456789012:distribution/loglake-test-ClickstreamApiDistribution',
    ]);
    const off = (
      evaluate(template, props('ApiKeyRotationStateMachine').Policies as Json, {}) as { Statement?: Json[] }[]
    ).flatMap((p) => p.Statement ?? []);
    expect(JSON.stringify(off)).not.toMatch(/secretsmanager:|cloudfront:/);
  });

  it("admits CloudFront's access-log deliveries to cloudfront-logs/ of the raw zone, from this account's us-east-1 sources, only when on", () => {
    const statements = (parameters: Record<string, Json>) =>
      (
        evaluate(template, props('RawBucketPolicy').PolicyDocument as Json, parameters) as {
          Statement: Record<string, Json>[];
        }
      ).Statement;
    expect(statements({}).map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    const [write, aclCheck] = statements(ON).slice(1);
    expect(write).toMatchObject({
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::loglake-test-rawbucket/cloudfront-logs/*',
      Condition: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:123456789012:*' },
      },
    });
    expect(aclCheck).toMatchObject({
      Action: ['s3:GetBucketAcl', 's3:ListBucket'],
      Resource: 'arn:aws:s3:::loglake-test-rawbucket',
    });
    expect(evaluate(template, props('RawBucket').LifecycleConfiguration as Json, {})).toMatchObject({
      Rules: expect.arrayContaining([
        expect.objectContaining({ Id: 'AgeCloudFrontLogs', Prefix: 'cloudfront-logs/' }),
      ]),
    });
  });
});

describe('CloudFront and its rotation against the AWS models', () => {
  const ON = { PutCloudFrontInFront: 'true' };

  it("grants the rotation only permissions the secret's and the distribution's CloudFormation handlers list", () => {
    const handlerPermissions = (type: string, handlers: string[]) =>
      new Set(handlers.flatMap((h) => resourceSchema(type).handlers?.[h]?.permissions ?? []));
    const secret = handlerPermissions('AWS::SecretsManager::Secret', ['create', 'delete', 'read']);
    const distribution = handlerPermissions('AWS::CloudFront::Distribution', ['update']);
    const granted = (
      evaluate(template, props('ApiKeyRotationStateMachine').Policies as Json, ON) as {
        Statement?: { Action: Json }[];
      }[]
    )
      .flatMap((p) => p.Statement ?? [])
      .flatMap((s) => [s.Action].flat().map(String));
    const ofService = (prefix: string) => granted.filter((a) => a.startsWith(prefix));
    expect(ofService('secretsmanager:').filter((a) => !secret.has(a))).toEqual([]);
    expect(ofService('cloudfront:').filter((a) => !distribution.has(a))).toEqual([]);
    expect(ofService('cloudfront:')).toContain('cloudfront:UpdateDistribution');
    // Name is create-only: a new timestamp replaces the secret, and with it the value.
    expect(resourceSchema('AWS::SecretsManager::Secret').createOnlyProperties).toContain('/properties/Name');
    expect(resourceSchema('AWS::ApiGateway::ApiKey').createOnlyProperties).toContain('/properties/Value');
  });

  it("treats the origin header's value as sensitive, as CloudFront's model does", () => {
    const cloudfront = serviceModel('cloudfront');
    const header = cloudfront.shapes.OriginCustomHeader as { members: Record<string, { shape: string }> };
    expect(header.members.HeaderValue?.shape).toBe('sensitiveStringType');
  });
});

describe('the us-east-1 edge template (templates/api-edge-us-east-1.yaml)', () => {
  const edge = parseTemplate(readFileSync(join(REPO_ROOT, 'templates', 'api-edge-us-east-1.yaml'), 'utf8'));
  const edgeProps = (id: string, parameters: Record<string, Json> = {}) =>
    evaluate(edge, resource(edge, id).Properties as Json, { Stage: 'prod', ...parameters }) as Record<
      string,
      Json
    >;
  const WITH_LOGS = { DistributionId: 'E2EXAMPLE1234', LakeBucketName: 'loglake-prod-raw' };

  it('refuses any Region but us-east-1, where CloudFront web ACLs live', () => {
    const rule = edge.Rules?.EdgeStackIsInUsEast1 as { Assertions: Json[] };
    expect(rule.Assertions).toMatchObject([
      { Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } },
    ]);
  });

  it('is a CLOUDFRONT web ACL with the per-viewer rate limit first, valid against the WAFv2 model', () => {
    const acl = edgeProps('EdgeWebAcl');
    expect(acl.Scope).toBe('CLOUDFRONT');
    const rules = acl.Rules as unknown as Rule[];
    expect(rules[0]?.Statement.RateBasedStatement).toMatchObject({ Limit: 2000, AggregateKeyType: 'IP' });
    expect(rules.map((r) => r.Name)).toEqual([
      'RatePerViewerIp',
      'AwsIpReputation',
      'AwsKnownBadInputs',
      'AwsCommonRuleSet',
      'BodyBeyondInspection',
    ]);
    const wafv2 = serviceModel('wafv2');
    expect(shapeProblems(wafv2, { shape: 'CreateWebACLRequest' }, acl)).toEqual([]);
    expect(shapeProblems(wafv2, { shape: 'LoggingConfiguration' }, edgeProps('EdgeWebAclLogging'))).toEqual(
      [],
    );
    expect(edgeProps('EdgeWebAclLogGroup').LogGroupName).toMatch(/^aws-waf-logs-/);
  });

  it("keeps the stage's managed and body rules, so the two web ACLs cannot drift apart", () => {
    const withoutRate = (list: Rule[]) => list.filter((r) => !r.Statement.RateBasedStatement);
    expect(withoutRate(edgeProps('EdgeWebAcl').Rules as unknown as Rule[])).toEqual(withoutRate(rules()));
  });

  it("delivers the distribution's access logs to cloudfront-logs/ of the lake, once the distribution is known", () => {
    for (const id of ['AccessLogSource', 'AccessLogDestination', 'AccessLogDelivery']) {
      expect([id, isCreated(edge, id, {})]).toEqual([id, false]);
      expect([id, isCreated(edge, id, WITH_LOGS)]).toEqual([id, true]);
    }
    expect(edgeProps('AccessLogSource', WITH_LOGS)).toMatchObject({
      LogType: 'ACCESS_LOGS',
      ResourceArn: 'arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE1234',
    });
    const destination = edgeProps('AccessLogDestination', WITH_LOGS);
    expect(destination.DestinationResourceArn).toBe('arn:aws:s3:::loglake-prod-raw/cloudfront-logs');
    const formats = (serviceModel('logs').shapes.OutputFormat as { enum: string[] }).enum;
    expect(formats).toContain(destination.OutputFormat);
    // The raw bucket's policy admits deliveries under exactly this prefix.
    const rawPolicy = evaluate(template, props('RawBucketPolicy').PolicyDocument as Json, {
      PutCloudFrontInFront: 'true',
    }) as { Statement: { Sid?: string; Resource: string }[] };
    const admitted = rawPolicy.Statement.find((st) => st.Sid === 'AWSLogDeliveryWrite')?.Resource;
    expect(admitted?.replace(/^arn:aws:s3:::[^/]+\//, '')).toBe(
      `${String(destination.DestinationResourceArn).split('/').slice(1).join('/')}/*`,
    );
  });
});

describe('the rotation role and the keys', () => {
  it('creates, changes and deletes only keys tagged with this stack, since key ARNs hold ids, not names', () => {
    const statements = (
      evaluate(template, props('ApiKeyRotationStateMachine').Policies as Json, {}) as {
        Statement?: Record<string, Json>[];
      }[]
    ).flatMap((p) => p.Statement ?? []);
    const onKeys = statements.filter((s) =>
      [s.Resource].flat().some((r) => String(r).includes('::/apikeys')),
    );
    expect(onKeys).toEqual([
      {
        Effect: 'Allow',
        Action: 'apigateway:POST',
        Resource: 'arn:aws:apigateway:eu-west-1::/apikeys',
        Condition: { StringEquals: { 'aws:RequestTag/loglake:stack': 'loglake-test' } },
      },
      {
        Effect: 'Allow',
        Action: ['apigateway:GET', 'apigateway:DELETE', 'apigateway:PATCH'],
        Resource: 'arn:aws:apigateway:eu-west-1::/apikeys/*',
        Condition: { StringEquals: { 'aws:ResourceTag/loglake:stack': 'loglake-test' } },
      },
    ]);
    for (const id of ['ClickstreamApiKey', 'ClickstreamApiKeyB'])
      expect(evaluate(template, props(id).Tags as Json, {})).toEqual([
        { Key: 'loglake:stack', Value: 'loglake-test' },
      ]);
  });
});
