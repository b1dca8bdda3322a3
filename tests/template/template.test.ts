import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import {
  type Json,
  loadTemplate,
  parseTemplate,
  resource,
  resourcesOfType,
  type TemplateResource,
} from '../../offline/template';

const template = loadTemplate();
const functions = resourcesOfType(template, 'AWS::Serverless::Function');
const buckets = resourcesOfType(template, 'AWS::S3::Bucket');

type Statement = { Effect: string; Action: string | string[]; Resource?: Json; Principal?: Json };

function statementsOf(res: TemplateResource): Statement[] {
  const props = res.Properties ?? {};
  const documents: Json[] = [];
  if (res.Type === 'AWS::IAM::Role') {
    for (const policy of (props.Policies ?? []) as { PolicyDocument: Json }[])
      documents.push(policy.PolicyDocument);
  }
  if (res.Type === 'AWS::Serverless::Function' || res.Type === 'AWS::Serverless::StateMachine') {
    for (const policy of (props.Policies ?? []) as Json[]) {
      if (policy && typeof policy === 'object' && 'Statement' in policy) documents.push(policy);
    }
  }
  if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy')
    documents.push(props.PolicyDocument ?? null);
  return documents.flatMap((doc) => ((doc as { Statement?: Statement[] })?.Statement ?? []) as Statement[]);
}

describe('function settings', () => {
  it.each(functions)(
    'runs %s on arm64 with active tracing, the Powertools settings and the source maps',
    (_id, fn) => {
      const properties = fn.Properties ?? {};
      expect(properties.Runtime).toBe('nodejs24.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Tracing).toBe('Active');
      expect((properties.Environment as { Variables: object }).Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'loglake',
        POWERTOOLS_METRICS_NAMESPACE: 'LogLake',
        POWERTOOLS_LOG_LEVEL: { Ref: 'LogLevel' },
        NODE_OPTIONS: '--enable-source-maps',
      });
    },
  );

  it('come from one Globals block, the same in every stack with functions (one runtime, one Node major)', () => {
    const globals = readdirSync(join(REPO_ROOT, 'stacks'))
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => parseTemplate(readFileSync(join(REPO_ROOT, 'stacks', file), 'utf8')))
      .filter((stack) => Object.values(stack.Resources).some((r) => r.Type === 'AWS::Serverless::Function'))
      .map((stack) => JSON.stringify(stack.Globals));

    expect(globals.length).toBeGreaterThanOrEqual(8);
    expect(new Set(globals).size).toBe(1);
  });

  it('describes every parameter and every output', () => {
    for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
      expect([name, typeof parameter.Description]).toEqual([name, 'string']);
    }
    for (const [name, output] of Object.entries(template.Outputs ?? {})) {
      expect([name, typeof output.Description]).toEqual([name, 'string']);
    }
  });
});

/** Functions that use @aws-sdk/lib-storage, which the runtime is not documented to ship. */
const BUNDLES_SDK_LIBRARIES = new Set(['AuditLogAggregatorFunction']);

describe.each(functions)('function %s', (logicalId, fn) => {
  const build = fn.Metadata?.BuildProperties as Record<string, Json>;

  it('is built by esbuild from an entry point that exists, with the shared build settings', () => {
    expect(fn.Metadata?.BuildMethod).toBe('esbuild');
    const { EntryPoints, External, ...shared } = build;
    // The runtime provides the SDK; a function that needs a non-client SDK package bundles it.
    expect(External).toEqual(BUNDLES_SDK_LIBRARIES.has(logicalId) ? ['@aws-sdk/client-*'] : ['@aws-sdk/*']);
    expect(shared).toEqual({
      Format: 'cjs',
      Minify: true,
      Target: 'node24',
      Sourcemap: true,
      KeepNames: true,
      Loader: ['.sql=text'],
    });
    for (const entry of EntryPoints as string[]) {
      expect(existsSync(join(REPO_ROOT, String(fn.Properties?.CodeUri), entry))).toBe(true);
    }
  });

  it('logs to its own log group with a retention', () => {
    const logging = fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } };
    const logGroup = resource(template, logging.LogGroup.Ref);

    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties?.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
    expect(logicalId).toMatch(/Function$/);
  });
});

describe.each(buckets)('bucket %s', (logicalId, bucket) => {
  it('is encrypted, versioned and blocks public access', () => {
    const props = bucket.Properties ?? {};
    expect(props.BucketEncryption).toBeDefined();
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('denies every request that is not over TLS', () => {
    const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
      ([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: logicalId }),
    );
    const statements = policies.flatMap(
      ([, p]) => (p.Properties?.PolicyDocument as { Statement: Json[] } | undefined)?.Statement ?? [],
    );

    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });
});

describe('IAM', () => {
  const allowed = Object.entries(template.Resources).flatMap(([id, res]) =>
    statementsOf(res)
      .filter((s) => s.Effect === 'Allow')
      .map((s) => [id, s] as const),
  );

  it('grants no wildcard actions', () => {
    const wildcards = allowed.filter(([, s]) =>
      [s.Action].flat().some((action) => String(action).includes('*')),
    );

    expect(wildcards).toEqual([]);
  });

  // Actions that take no resource ARN at all: "*" is the only resource they accept.
  const NO_RESOURCE_LEVEL = new Set([
    'cloudtrail:LookupEvents',
    'cloudwatch:PutMetricData',
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html
    'cloudwatch:ListMetrics',
    'cloudwatch:GetMetricData',
    'redshift-data:DescribeStatement',
    'redshift-data:GetStatementResult',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ]);

  it('names a resource in every allow statement, except for actions that take none', () => {
    const unscoped = allowed.filter(
      ([, s]) =>
        JSON.stringify(s.Resource ?? '*') === '"*"' &&
        ![s.Action].flat().every((action) => NO_RESOURCE_LEVEL.has(String(action))),
    );

    expect(unscoped).toEqual([]);
  });
});

describe.each(resourcesOfType(template, 'AWS::Serverless::StateMachine'))(
  'state machine %s',
  (_id, machine) => {
    it('is traced and logs to its own log group with a retention', () => {
      const props = machine.Properties ?? {};
      const destinations = (
        props.Logging as { Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: Json } }[] }
      ).Destinations;
      const arn = destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn as
        | { 'Fn::GetAtt': [string, string] }
        | undefined;
      const logGroup = arn?.['Fn::GetAtt'][0] ?? 'none';

      expect(props.Tracing).toEqual({ Enabled: true });
      expect(resource(template, logGroup).Properties?.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
      expect(props.Type).toBe('STANDARD');
    });
  },
);

describe('clickstream delivery stream', () => {
  const stream = resource(template, 'ClickstreamDeliveryStream').Properties as Record<string, Json>;
  const destination = stream.ExtendedS3DestinationConfiguration as Record<string, Json>;

  it('partitions the raw zone by the request hour the transform returns', () => {
    expect(destination.Prefix).toBe(
      'clickstream/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    );
    expect(destination.DynamicPartitioningConfiguration).toMatchObject({ Enabled: true });
    expect(destination.ErrorOutputPrefix).toMatch(/^clickstream-errors\/!\{firehose:error-output-type\}\//);
    expect(destination.CompressionFormat).toBe('GZIP');
  });

  it('splits packed newline-delimited records into lines first, then invokes the transform with the buffering hint', () => {
    const processors = (
      destination.ProcessingConfiguration as { Processors: { Type: string; Parameters: Json[] }[] }
    ).Processors;
    const [deaggregation, processor] = processors;

    expect(processors.map((p) => p.Type)).toEqual(['RecordDeAggregation', 'Lambda']);
    expect(deaggregation?.Parameters).toEqual([
      { ParameterName: 'SubRecordType', ParameterValue: 'DELIMITED' },
      { ParameterName: 'Delimiter', ParameterValue: Buffer.from('\n').toString('base64') },
    ]);

    expect(processor?.Parameters).toEqual(
      expect.arrayContaining([
        {
          ParameterName: 'LambdaArn',
          ParameterValue: { 'Fn::GetAtt': ['ClickstreamTransformFunction', 'Arn'] },
        },
        { ParameterName: 'BufferSizeInMBs', ParameterValue: { Ref: 'ClickstreamProcessorBufferSizeMiB' } },
      ]),
    );
    expect(template.Parameters?.ClickstreamProcessorBufferSizeMiB?.Default).toBe('1');
  });

  it('lets the transform re-ingest only into its own stream', () => {
    const statements = statementsOf(resource(template, 'ClickstreamTransformFunction'));

    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'firehose:PutRecordBatch',
        Resource: {
          'Fn::Sub':
            'arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/loglake-${Stage}-clickstream',
        },
      }),
    ]);
    expect(stream.DeliveryStreamName).toEqual({ 'Fn::Sub': 'loglake-${Stage}-clickstream' });
  });
});
