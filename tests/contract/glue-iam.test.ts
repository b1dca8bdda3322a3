import { evaluate } from '../../offline/conditions';
import { type Json, loadTemplate, resourcesOfType } from '../../offline/template';
import { grants, roleStatements } from '../support/iam';

/**
 * The Glue roles grant what Spark's S3 write path and Glue's logging really touch, following
 * AWS's Glue service policy (https://docs.aws.amazon.com/glue/latest/dg/create-service-policy.html)
 * and the security configuration page (https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html).
 */
const template = loadTemplate();
const withKey = { KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000000' };

describe.each(resourcesOfType(template, 'AWS::Glue::Job').map(([id]) => id))('Glue job %s', (jobId) => {
  const job = template.Resources[jobId]?.Properties as Record<string, Json>;
  const roleId = (job.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = roleStatements(template, roleId, withKey);
  const outputs = Object.entries(job.DefaultArguments as Record<string, Json>)
    .filter(([name]) => /^--(processed|rejects)_uri$/.test(name))
    .map(([, uri]) => String(evaluate(template, uri, withKey)));

  it.each(outputs)('may write %s, its prefix key and its _$folder$ marker, and locate the bucket', (uri) => {
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(uri) as unknown as [string, string, string];
    const arn = `arn:aws:s3:::${bucket}`;
    for (const key of [`${prefix}/part-0000.parquet`, prefix, `${prefix}_$folder$`])
      expect([key, grants(statements, 's3:PutObject', `${arn}/${key}`)]).toEqual([key, true]);
    expect(grants(statements, 's3:GetBucketLocation', arn)).toBe(true);
  });
});

describe.each(resourcesOfType(template, 'AWS::Glue::Crawler').map(([id]) => id))(
  'Glue crawler %s',
  (crawlerId) => {
    const crawler = template.Resources[crawlerId]?.Properties as Record<string, Json>;
    const roleId = (crawler.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    it('may write its logs encrypted under the security configuration', () => {
      const statements = roleStatements(template, roleId, withKey);
      const logGroup =
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/role-configuration:*';
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'])
        expect([action, grants(statements, action, logGroup)]).toEqual([action, true]);
    });
  },
);
