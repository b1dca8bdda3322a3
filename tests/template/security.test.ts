import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, NO_VALUE } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { type Json, loadTemplate, resourcesOfType } from '../../offline/template';

const template = loadTemplate();
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const withKey = { KmsKeyArn: KEY };
const withoutKey = { KmsKeyArn: '' };
const propsOf = (type: string) =>
  resourcesOfType(template, type).map(
    ([id, r]) => [id, (r.Properties ?? {}) as Record<string, Json>] as const,
  );

describe('encryption at rest', () => {
  it('encrypts every bucket with the customer-managed key when one is given, and with S3-managed keys otherwise', () => {
    for (const [id, props] of propsOf('AWS::S3::Bucket')) {
      const rule = (
        props.BucketEncryption as {
          ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: Json }[];
        }
      ).ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault as Json;
      expect([id, evaluate(template, rule, withKey)]).toEqual([
        id,
        { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY },
      ]);
      expect([id, evaluate(template, rule, withoutKey)]).toEqual([id, { SSEAlgorithm: 'AES256' }]);
    }
  });

  it.each([
    ['AWS::SQS::Queue', 'KmsMasterKeyId'],
    ['AWS::Logs::LogGroup', 'KmsKeyId'],
    ['AWS::SNS::Topic', 'KmsMasterKeyId'],
  ])('uses the customer-managed key for every %s when one is given', (type, property) => {
    for (const [id, props] of propsOf(type)) {
      expect([id, evaluate(template, props[property] as Json, withKey)]).toEqual([id, KEY]);
      expect([id, evaluate(template, props[property] as Json, withoutKey)]).toEqual([id, NO_VALUE]);
    }
  });

  it('uses KMS for every table (AWS-managed key unless one is given) and for every delivery stream', () => {
    for (const [id, props] of propsOf('AWS::DynamoDB::Table')) {
      expect([id, evaluate(template, props.SSESpecification as Json, withKey)]).toEqual([
        id,
        { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY },
      ]);
    }
    for (const [id, props] of propsOf('AWS::KinesisFirehose::DeliveryStream')) {
      expect([
        id,
        evaluate(template, props.DeliveryStreamEncryptionConfigurationInput as Json, withKey),
      ]).toEqual([id, { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: KEY }]);
    }
  });

  it('lets every role loglake creates use the key, and only that key', () => {
    const policy = resourcesOfType(template, 'AWS::IAM::ManagedPolicy').find(
      ([id]) => id === 'CmkUsePolicy',
    )?.[1];
    expect(policy?.Condition).toBe('UseCmk');
    expect(JSON.stringify(policy?.Properties)).toContain('"Resource":{"Ref":"KmsKeyArn"}');
    const grantsKey = (value: Json) => JSON.stringify(value).includes('"Ref":"CmkUsePolicy"');
    for (const [id, props] of propsOf('AWS::IAM::Role'))
      expect([id, grantsKey(props.ManagedPolicyArns as Json)]).toEqual([id, true]);
    for (const type of ['AWS::Serverless::Function', 'AWS::Serverless::StateMachine']) {
      for (const [id, props] of propsOf(type))
        expect([id, grantsKey(props.Policies as Json)]).toEqual([id, true]);
    }
  });
});

describe('raw zone lifecycle', () => {
  const rules =
    (
      propsOf('AWS::S3::Bucket').find(([id]) => id === 'RawBucket')?.[1]?.LifecycleConfiguration as {
        Rules: Record<string, Json>[];
      }
    )?.Rules ?? [];

  it('moves raw data to Standard-IA, expires it after RawZoneExpirationDays, and keeps failed records longer', () => {
    const byPrefix = Object.fromEntries(rules.filter((r) => r.Prefix).map((r) => [r.Prefix as string, r]));

    for (const prefix of ['clickstream/', 'cloudwatch-logs/', 'dynamodb/']) {
      expect(byPrefix[prefix]).toMatchObject({
        ExpirationInDays: { Ref: 'RawZoneExpirationDays' },
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: { Ref: 'RawZoneInfrequentAccessDays' } },
        ],
      });
    }
    for (const prefix of ['clickstream-errors/', 'cloudwatch-logs-errors/', 'dynamodb-errors/']) {
      expect(byPrefix[prefix]).toMatchObject({ ExpirationInDays: { Ref: 'ErrorPrefixExpirationDays' } });
    }
    expect(Object.keys(byPrefix)).not.toContain('processed/');
  });
});

describe('secrets', () => {
  const PATTERNS: [string, RegExp][] = [
    ['AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ['private key', /-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----/],
    ['AWS secret access key', /aws_secret_access_key\s*[=:]\s*\S{20,}/i],
    ['password literal', /\b(password|passwd|pwd)\b\s*[=:]\s*["'][^"'\s]{6,}["']/i],
    ['GitHub or Slack token', /\b(ghp_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9-]{10,})\b/],
  ];
  const findSecrets = (text: string) =>
    PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);

  it('recognises the secrets it looks for', () => {
    expect(findSecrets('const key = "AKIAIOSFODNN7EXAMPLE";')).toEqual(['AWS access key id']);
    expect(findSecrets('password: "hunter2hunter2"')).toEqual(['password literal']);
  });

  it('finds none in the built template, the bundles, the state machines or the sources', () => {
    const build = join(REPO_ROOT, '.aws-sam', 'build');
    if (!existsSync(build))
      throw new Error(`${build} is missing: run \`make sam-build\` (make test does) first`);
    const built = (readdirSync(build, { recursive: true }) as string[]).filter(
      (f) => f.endsWith('template.yaml') || f.endsWith('index.js'),
    );
    expect(built).toContain('template.yaml');
    const files = [
      ...built.map((f) => join(build, f)),
      ...readdirSync(join(REPO_ROOT, 'statemachines')).map((f) => join(REPO_ROOT, 'statemachines', f)),
    ];

    const found = files.flatMap((file) =>
      findSecrets(readFileSync(file, 'utf8')).map((name) => `${file}: ${name}`),
    );

    expect(files.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it('gives no function an environment variable named like a secret', () => {
    for (const [id, props] of propsOf('AWS::Serverless::Function')) {
      const names = Object.keys(
        ((props.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as object,
      );
      expect([id, names.filter((n) => /SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL/i.test(n))]).toEqual([
        id,
        [],
      ]);
    }
  });
});

describe('raw-zone lifecycle parameters', () => {
  const template = loadTemplate();
  const allowed = (name: string) => (template.Parameters?.[name]?.AllowedValues ?? []) as number[];

  it('allow only rules S3 accepts: Standard-IA after 30 days or more, expiration after the move', () => {
    const moves = allowed('RawZoneInfrequentAccessDays');
    const expirations = allowed('RawZoneExpirationDays');
    expect(moves.length).toBeGreaterThan(0);
    expect(expirations.length).toBeGreaterThan(0);
    expect(Math.min(...moves)).toBeGreaterThanOrEqual(30);
    expect(Math.min(...expirations)).toBeGreaterThan(Math.max(...moves));
  });
});

describe('role trust policies', () => {
  const template = loadTemplate();
  /** Services whose own examples put a source condition on the role they assume (cited in template.yaml). */
  const DOCUMENTED_SOURCE_CONDITION = new Set(['logs.amazonaws.com']);

  it('put aws:SourceAccount or aws:SourceArn only where AWS documents that the service sends it', () => {
    const guessed = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([id, role]) => {
      const trust = role.Properties?.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] };
      return trust.Statement.filter((s) =>
        /aws:Source(Account|Arn)/.test(JSON.stringify(s.Condition ?? {})),
      ).flatMap((s) =>
        [(s.Principal as { Service?: Json }).Service ?? []]
          .flat()
          .filter((service) => !DOCUMENTED_SOURCE_CONDITION.has(String(service)))
          .map((service) => `${id} trusts ${String(service)} on a source condition`),
      );
    });
    expect(guessed).toEqual([]);
  });
});
