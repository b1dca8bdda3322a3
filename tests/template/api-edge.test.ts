import { evaluate, isCreated } from '../../offline/conditions';
import { serviceModel, shapeProblems } from '../../offline/service-models';
import { type Json, loadTemplate, resource } from '../../offline/template';

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
const rules = () => props('ClickstreamApiWebAcl').Rules as unknown as Rule[];

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
      Limit: { Ref: 'ApiWafRateLimitPer5Minutes' },
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
