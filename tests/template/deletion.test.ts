import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import { loadTemplate } from '../../offline/template';

/** Resources that hold data or state: each says what happens to it when the stage is deleted. */
const STATEFUL = new Set(['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::RedshiftServerless::Namespace']);
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::RedshiftServerless::Namespace': 'NamespaceName',
};

describe('deleting a stage', () => {
  const template = loadTemplate();
  const operations = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
  const section = operations.split('## Deleting and re-creating a stage')[1]?.split('\n## ')[0] ?? '';

  it('decides for every bucket, table and namespace whether it is kept or deleted', () => {
    const undecided = Object.entries(template.Resources)
      .filter(([, r]) => STATEFUL.has(r.Type) && !r.DeletionPolicy)
      .map(([id]) => id);
    expect(undecided).toEqual([]);
  });

  it('documents every resource it keeps, and how to remove the ones whose fixed name blocks a new deploy', () => {
    const retained = Object.entries(template.Resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
    expect(retained.length).toBeGreaterThan(0);
    for (const [id, r] of retained) {
      expect(section).toContain(`\`${id}\``);
      const fixedName = r.Properties?.[NAME_PROPERTY[r.Type] ?? 'none'];
      if (fixedName) expect(section).toMatch(new RegExp(`\\| \`${id}\`\\s+\\|[^\\n]*\\|\\s+\`aws `));
    }
  });

  it('can delete the Athena results bucket with the stack: it is kept, and CloudFormation names it', () => {
    expect(template.Resources.AthenaResultsBucket).toMatchObject({ DeletionPolicy: 'Retain' });
    expect(template.Resources.AthenaResultsBucket?.Properties?.BucketName).toBeUndefined();
  });
});
