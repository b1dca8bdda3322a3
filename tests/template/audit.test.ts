import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, NO_VALUE } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { type Json, loadTemplate, resource } from '../../offline/template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
type Statement = { Effect: string; Action: Json; Resource: Json; Condition?: Json };
const statements = (policies: Json) =>
  (policies as Json[]).flatMap((p) => ((p as { Statement?: Statement[] }).Statement ?? []) as Statement[]);

describe('audit-log aggregator', () => {
  const policies = props('AuditLogAggregatorFunction').Policies as Json[];
  const sourcePolicy = policies.find((p) => JSON.stringify(p).includes('HasAuditSourceBuckets'));

  it('writes only the batch prefixes of the audit bucket', () => {
    const writes = statements(policies).filter((s) => [s.Action].flat().includes('s3:PutObject'));

    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: ['csv', 'manifests', 'complete'].map((prefix) => ({
          'Fn::Sub': `\${AuditBucket.Arn}/${prefix}/*`,
        })),
      },
    ]);
  });

  it('reads only the source buckets the stack names, and none when it names none', () => {
    const sourceAccess = (names: string) =>
      evaluate(template, sourcePolicy as Json, { AuditSourceBucketNames: names.split(',') }) as
        | { Statement: Statement[] }
        | string;

    expect(sourceAccess('')).toBe(NO_VALUE);
    expect(sourceAccess('wau-acme-audit,wau-globex-audit')).toEqual({
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: ['arn:aws:s3:::wau-acme-audit/*', 'arn:aws:s3:::wau-globex-audit/*'],
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: ['arn:aws:s3:::wau-acme-audit', 'arn:aws:s3:::wau-globex-audit'],
        },
      ],
    });
  });

  it('runs on schedule only when the stack lists sources, naming the batch by the scheduled time', () => {
    const schedule = (
      props('AuditLogAggregatorFunction').Events as Record<string, { Properties: Record<string, Json> }>
    ).Scheduled?.Properties as Record<string, Json>;
    const state = (sources: string) => evaluate(template, schedule.State as Json, { AuditSources: sources });

    expect(state('[]')).toBe('DISABLED');
    expect(state('[{"customer":"acme","uri":"s3://wau-acme-audit/exports/"}]')).toBe('ENABLED');
    const input = evaluate(template, schedule.Input as Json, {
      AuditSources: '[{"customer":"acme","uri":"s3://wau-acme-audit/exports/"}]',
    });
    expect(JSON.parse(String(input))).toEqual({
      scheduledTime: '<aws.scheduler.scheduled-time>',
      sources: [{ customer: 'acme', uri: 's3://wau-acme-audit/exports/' }],
    });
    expect(schedule.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': ['AuditScheduleDeadLetterQueue', 'Arn'] },
    });
  });
});

describe('audit Glue resources', () => {
  it('runs one job at a time with bookmarks, queuing a run that arrives meanwhile', () => {
    const job = props('AuditCsvToParquetJob');

    expect(job.ExecutionProperty).toEqual({ MaxConcurrentRuns: 1 });
    expect(job.JobRunQueuingEnabled).toBe(true);
    expect(job.GlueVersion).toBe('5.0');
    const command = job.Command as { Name: string; ScriptLocation: string };
    expect(command.Name).toBe('glueetl');
    expect(existsSync(join(REPO_ROOT, command.ScriptLocation))).toBe(true);
    expect(job.DefaultArguments).toMatchObject({
      '--job-bookmark-option': 'job-bookmark-enable',
      // The Redshift COPY role may read processed/* only.
      '--processed_uri': { 'Fn::Sub': 's3://${RawBucket}/processed/audit/' },
    });
  });

  it('crawls csv/ only: manifests and tokens stay out of the catalog', () => {
    const crawler = props('AuditCsvCrawler');

    expect(crawler.Targets).toEqual({ S3Targets: [{ Path: { 'Fn::Sub': 's3://${AuditBucket}/csv/' } }] });
    expect(crawler.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
  });

  it('lets the job write only the audit prefixes of the lake', () => {
    const [policy] = props('AuditGlueJobRole').Policies as { PolicyDocument: { Statement: Statement[] } }[];
    const writes = policy?.PolicyDocument.Statement.filter((s) => [s.Action].flat().includes('s3:PutObject'));

    // Each prefix, its own key and its _$folder$ marker (Spark's S3 write path), nothing else.
    const resources = (writes ?? [])
      .flatMap((s) => [s.Resource].flat())
      .map((r) => (r as { 'Fn::Sub': string })['Fn::Sub']);
    expect(resources).toHaveLength(6);
    for (const resource of resources)
      expect(resource).toMatch(/^\$\{RawBucket\.Arn\}\/(processed|rejects)\/audit(\/\*|_\$folder\$)?$/);
  });
});

describe('completion-token trigger', () => {
  const machine = props('CompletionTokenStateMachine');

  it('starts on Object Created for complete/*.token in the audit bucket only, retrying and dead-lettering', () => {
    const events = machine.Events as Record<string, { Type: string; Properties: Record<string, Json> }>;

    expect(events.TokenCreated?.Type).toBe('EventBridgeRule');
    expect(events.TokenCreated?.Properties).toMatchObject({
      Pattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: 'AuditBucket' }] },
          object: { key: [{ wildcard: 'complete/*.token' }] },
        },
      },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['CompletionTokenEventDeadLetterQueue', 'Arn'] } },
    });
    expect(props('AuditBucket').NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
  });

  it('claims tokens by key and ETag', () => {
    expect(props('AuditTokenClaimsTable').KeySchema).toEqual([
      { AttributeName: 'tokenKey', KeyType: 'HASH' },
      { AttributeName: 'etag', KeyType: 'RANGE' },
    ]);
  });

  it('may start only its Glue job and, when deployed, only the Redshift load workflow', () => {
    const all = statements((machine.Policies as Json[]).filter((p) => !('Fn::If' in (p as object))));
    const glue = all.find((s) => [s.Action].flat().includes('glue:StartJobRun'));
    const redshift = evaluate(
      template,
      (machine.Policies as Json[]).find((p) => 'Fn::If' in (p as object)) as Json,
      { CreateRedshiftServerless: 'false', RedshiftWorkgroupName: '' },
    );

    expect(glue?.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/${AuditCsvToParquetJob}',
    });
    expect(redshift).toBe(NO_VALUE);
    expect(
      evaluate(
        template,
        (machine.DefinitionSubstitutions as Record<string, Json>).RedshiftLoadStateMachineArn as Json,
        {
          CreateRedshiftServerless: 'false',
          RedshiftWorkgroupName: '',
        },
      ),
    ).toBe('');
  });
});
