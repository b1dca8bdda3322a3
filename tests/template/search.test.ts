import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, isCreated, NO_VALUE } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/repo';
import { type Json, loadTemplate, nestedStackOf, resource, resourcesOfType } from '../../offline/template';

/** stacks/search.yaml inside template.yaml: what each parameter choice creates, and what it may do. */
const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
const valueFor = (expression: Json, parameters: Record<string, Json>) =>
  evaluate(template, expression, parameters);
const policyJson = (id: string, parameters: Record<string, Json>) =>
  JSON.parse(String(valueFor(props(id).Policy as Json, parameters)));

const PUBLIC = { SearchSink: 'new-collection', SearchNetwork: 'public' };
const PRIVATE = {
  SearchSink: 'new-collection',
  SearchNetwork: 'vpc',
  SearchVpcId: 'vpc-0123456789abcdef0',
  SearchSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  SearchSecurityGroupIds: ['sg-0123456789abcdef0'],
};
const EXISTING = {
  SearchSink: 'existing-collection',
  SearchNetwork: 'public',
  SearchCollectionName: 'analytics',
  SearchCollectionId: 'abc123def456',
  SearchCollectionEndpoint: 'https://abc123def456.eu-west-1.aoss.amazonaws.com',
};
const READER = 'arn:aws:iam::123456789012:role/analysts';
const searchResources = Object.keys(template.Resources).filter(
  (id) => nestedStackOf(id) === 'SearchPipeline',
);

describe('the search sink is opt-in', () => {
  it('creates nothing, and leaves the raw bucket as it was, by default', () => {
    expect(searchResources.length).toBeGreaterThan(20);
    for (const id of searchResources) expect([id, isCreated(template, id, {})]).toEqual([id, false]);
    const bucket = props('RawBucket');
    expect(valueFor(bucket.NotificationConfiguration as Json, {})).toBe(NO_VALUE);
    const rules = (valueFor(bucket.LifecycleConfiguration as Json, {}) as { Rules: Json[] }).Rules;
    // AWS::NoValue drops the list item.
    expect(rules).not.toContain(NO_VALUE);
    expect(rules.map((r) => (r as { Id: string }).Id)).not.toContain('ExpireSearchFailed');
  });

  it('when on, sends the raw bucket events to EventBridge and expires the backed-up documents like other failures', () => {
    const bucket = props('RawBucket');
    expect(valueFor(bucket.NotificationConfiguration as Json, PUBLIC)).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    const rules = (valueFor(bucket.LifecycleConfiguration as Json, PUBLIC) as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual({
      Id: 'ExpireSearchFailed',
      Status: 'Enabled',
      Prefix: 'search-failed/',
      ExpirationInDays: 730,
    });
  });

  it('uses only the functions CloudFormation allows in Rules', () => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-rules.html
    const allowed = new Set([
      'Fn::And',
      'Fn::Contains',
      'Fn::EachMemberEquals',
      'Fn::EachMemberIn',
      'Fn::Equals',
      'Fn::Not',
      'Fn::Or',
      'Fn::RefAll',
      'Fn::ValueOf',
      'Fn::ValueOfAll',
      'Ref',
    ]);
    const used = (value: Json): string[] =>
      Array.isArray(value)
        ? value.flatMap(used)
        : value !== null && typeof value === 'object'
          ? Object.entries(value).flatMap(([key, inner]) => [
              ...(key.startsWith('Fn::') || key === 'Ref' ? [key] : []),
              ...used(inner),
            ])
          : [];
    const functions = used(template.Rules ?? {});
    expect(functions.length).toBeGreaterThan(5);
    expect(functions.filter((f) => !allowed.has(f))).toEqual([]);
  });

  it('refuses an existing collection without its name, id and endpoint, and a private one without its network', () => {
    const rules = (template as unknown as { Rules: unknown }).Rules as Record<
      string,
      { RuleCondition: Json; Assertions: { Assert: Json }[] }
    >;
    const holds = (rule: string, parameters: Record<string, Json>) =>
      !valueFor(rules[rule]?.RuleCondition as Json, parameters) ||
      rules[rule]?.Assertions.every((a) => valueFor(a.Assert, parameters) === true);
    expect(holds('ExistingCollectionNeedsItsNames', { ...EXISTING, SearchCollectionId: '' })).toBe(false);
    expect(holds('ExistingCollectionNeedsItsNames', EXISTING)).toBe(true);
    expect(holds('PrivateSearchNeedsItsNetwork', { SearchSink: 'new-collection' })).toBe(false);
    expect(holds('PrivateSearchNeedsItsNetwork', PRIVATE)).toBe(true);
    expect(holds('PrivateSearchNeedsItsNetwork', PUBLIC)).toBe(true);
    expect(holds('PrivateSearchNeedsItsNetwork', {})).toBe(true);
  });
});

describe('the collection', () => {
  it('is a time-series collection created with its encryption and network policies, or not at all for an existing one', () => {
    expect(props('SearchCollection').Type).toBe('TIMESERIES');
    expect(resource(template, 'SearchCollection').DependsOn).toEqual([
      'SearchEncryptionPolicy',
      'SearchNetworkPolicy',
    ]);
    for (const id of ['SearchCollection', 'SearchEncryptionPolicy', 'SearchNetworkPolicy']) {
      expect(isCreated(template, id, PUBLIC)).toBe(true);
      expect(isCreated(template, id, EXISTING)).toBe(false);
    }
  });

  it('is encrypted with an AWS-owned key, or the stack customer-managed key', () => {
    expect(policyJson('SearchEncryptionPolicy', PUBLIC)).toEqual({
      Rules: [{ ResourceType: 'collection', Resource: ['collection/loglake-dev-clickstream'] }],
      AWSOwnedKey: true,
    });
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000';
    expect(policyJson('SearchEncryptionPolicy', { ...PUBLIC, KmsKeyArn: key })).toMatchObject({
      AWSOwnedKey: false,
      KmsARN: key,
    });
  });

  it('is reachable only through its own VPC endpoint by default, from the internet only when asked', () => {
    const [rule] = policyJson('SearchNetworkPolicy', PRIVATE);
    expect(rule).toMatchObject({ AllowFromPublic: false, SourceVPCEs: ['loglake-test-SearchVpcEndpoint'] });
    expect(isCreated(template, 'SearchVpcEndpoint', PRIVATE)).toBe(true);
    expect(valueFor(props('SearchVpcEndpoint').SubnetIds as Json, PRIVATE)).toEqual(PRIVATE.SearchSubnetIds);
    expect(policyJson('SearchNetworkPolicy', PUBLIC)[0]).toMatchObject({ AllowFromPublic: true });
    expect(isCreated(template, 'SearchVpcEndpoint', PUBLIC)).toBe(false);
    for (const r of rule.Rules) expect(r.Resource).toEqual(['collection/loglake-dev-clickstream']);
  });

  it('grants data access to Firehose (write the clickstream indexes) and the reader (read them), no one else, no deletes', () => {
    const firehoseOnly = policyJson('SearchDataAccessPolicy', PUBLIC);
    expect(firehoseOnly).toHaveLength(1);
    expect(firehoseOnly[0].Principal).toEqual([
      'arn:aws:iam::123456789012:role/loglake-test-SearchDeliveryRole',
    ]);
    expect(firehoseOnly[0].Rules).toEqual([
      {
        ResourceType: 'index',
        Resource: ['index/loglake-dev-clickstream/clickstream*'],
        Permission: ['aoss:CreateIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex', 'aoss:WriteDocument'],
      },
    ]);
    const withReader = policyJson('SearchDataAccessPolicy', {
      ...EXISTING,
      SearchReaderPrincipalArn: READER,
    });
    expect(withReader[1].Principal).toEqual([READER]);
    expect(withReader[1].Rules[0]).toEqual({
      ResourceType: 'index',
      Resource: ['index/analytics/clickstream*'],
      Permission: ['aoss:ReadDocument', 'aoss:DescribeIndex'],
    });
    const permissions = withReader.flatMap((s: { Rules: { Permission: string[] }[] }) =>
      s.Rules.flatMap((r) => r.Permission),
    );
    expect(permissions.filter((p: string) => /Delete|\*/.test(p))).toEqual([]);
  });

  it('keeps documents for SearchRetentionDays', () => {
    expect(policyJson('SearchRetentionPolicy', { ...PUBLIC, SearchRetentionDays: 14 })).toEqual({
      Rules: [
        {
          ResourceType: 'index',
          Resource: ['index/loglake-dev-clickstream/clickstream*'],
          MinIndexRetention: '14d',
        },
      ],
    });
  });
});

describe('the search delivery stream', () => {
  const destination = () =>
    props('SearchDeliveryStream').AmazonOpenSearchServerlessDestinationConfiguration as Record<string, Json>;

  it('indexes into clickstream, which the index template covers, with no transform of its own', () => {
    const indexTemplate = JSON.parse(
      readFileSync(join(REPO_ROOT, 'dashboards', 'clickstream-index-template.json'), 'utf8'),
    ) as { index_patterns: string[] };
    expect(destination().IndexName).toBe('clickstream');
    expect(indexTemplate.index_patterns).toEqual(['clickstream*']);
    expect(destination().ProcessingConfiguration).toBeUndefined();
    expect(valueFor(destination().CollectionEndpoint as Json, EXISTING)).toBe(
      EXISTING.SearchCollectionEndpoint,
    );
  });

  it('backs up only rejected documents, into search-failed/ of the raw zone', () => {
    expect(destination().S3BackupMode).toBe('FailedDocumentsOnly');
    const backup = destination().S3Configuration as Record<string, Json>;
    expect(backup.Prefix).toBe('search-failed/');
    expect(String(backup.ErrorOutputPrefix)).toMatch(/^search-failed\//);
    expect(backup.BucketARN).toEqual({ 'Fn::GetAtt': ['RawBucket', 'Arn'] });
  });

  it('delivers from the VPC only when the collection is private', () => {
    expect(valueFor(destination().VpcConfiguration as Json, PRIVATE)).toMatchObject({
      SubnetIds: PRIVATE.SearchSubnetIds,
      SecurityGroupIds: PRIVATE.SearchSecurityGroupIds,
    });
    expect(valueFor(destination().VpcConfiguration as Json, PUBLIC)).toBe(NO_VALUE);
  });

  it('has a role that reaches this collection only, and writes the raw zone only under search-failed/', () => {
    const policies = valueFor(props('SearchDeliveryRole').Policies as Json, EXISTING) as {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: Json }[] };
    }[];
    const statements = policies
      .filter((p) => (p as unknown) !== NO_VALUE)
      .flatMap((p) => p.PolicyDocument.Statement);
    const aoss = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('aoss:')));
    expect(aoss).toEqual([
      {
        Effect: 'Allow',
        Action: 'aoss:APIAccessAll',
        Resource: 'arn:aws:aoss:eu-west-1:123456789012:collection/abc123def456',
      },
    ]);
    const puts = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(puts.map((s) => s.Resource)).toEqual(['arn:aws:s3:::loglake-test-rawbucket/search-failed/*']);
    expect(statements.some((s) => [s.Action].flat().some((a) => a.startsWith('ec2:')))).toBe(false);
  });
});

describe('forwarding the raw zone', () => {
  it('queues every clickstream object of the raw bucket, keeping undeliverable events and messages', () => {
    const rule = props('SearchForwardRule');
    expect(rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'RawBucket' }] }, object: { key: [{ wildcard: 'clickstream/*' }] } },
    });
    const [target] = rule.Targets as { Arn: Json; DeadLetterConfig: { Arn: Json } }[];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': ['SearchForwardQueue', 'Arn'] });
    expect(target?.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': ['SearchForwardDeadLetterQueue', 'Arn'] });
    expect(props('SearchForwardQueue').RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['SearchForwardDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('gives the forwarder one object per invocation, with failed ones reported, and a visibility timeout of six times its own', () => {
    const fn = props('SearchForwarderFunction');
    const event = (fn.Events as Record<string, { Type: string; Properties: Record<string, Json> }>)
      .RawZoneObjects;
    expect(event?.Type).toBe('SQS');
    expect(event?.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(props('SearchForwardQueue').VisibilityTimeout).toBe(6 * Number(fn.Timeout));
  });

  it('lets the forwarder read clickstream objects and put into the search stream, nothing else', () => {
    const statements = (props('SearchForwarderFunction').Policies as Json[]).flatMap((p) =>
      p && typeof p === 'object' && 'Statement' in p ? (p.Statement as Json[]) : [],
    );
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${RawBucket.Arn}/clickstream/*' } },
      {
        Effect: 'Allow',
        Action: 'firehose:PutRecordBatch',
        Resource: { 'Fn::GetAtt': ['SearchDeliveryStream', 'Arn'] },
      },
    ]);
  });
});

describe('search alarms', () => {
  const alarmsOn = (metric: string) =>
    resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .filter(([id]) => nestedStackOf(id) === 'SearchPipeline')
      .filter(([, a]) => JSON.stringify(a.Properties).includes(`"${metric}"`))
      .map(([id]) => id);

  it.each([
    ['DeliveryToAmazonOpenSearchServerless.DataFreshness', 'delivery falling behind or failing'],
    ['DeliveryToAmazonOpenSearchServerless.DeliveryRejected', 'the collection refusing delivery'],
    ['DeliveryToAmazonOpenSearchServerless.AuthFailure', 'the collection refusing the role'],
    ['MatchedEvents', 'documents backed up'],
    ['DeliveryToS3.Success', 'the backup itself failing'],
    ['IngestionRequestErrors', 'collection health'],
    ['ApproximateAgeOfOldestMessage', 'forwarding stuck'],
  ])('watches %s (%s)', (metric) => {
    expect(alarmsOn(metric)).toHaveLength(1);
  });

  it('counts the backup objects by a rule on search-failed/ of the raw bucket', () => {
    expect(props('SearchBackupObjectsRule').EventPattern).toMatchObject({
      detail: { object: { key: [{ wildcard: 'search-failed/*' }] } },
    });
  });
});
