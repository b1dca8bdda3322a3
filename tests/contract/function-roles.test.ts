import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { iamActionsFor } from '../../offline/integrations';
import { samTransformed } from '../../offline/sam-template';
import { operation, serviceModel } from '../../offline/service-models';
import { functionEntry, loadTemplate, resourcesOfType, type Template } from '../../offline/template';
import { grants, roleStatements } from '../support/iam';

/**
 * Each function keeps the AWS API calls it makes in `aws-calls.json` beside its handler. This
 * test reads the calls from the code (every module the handler imports), checks each against the
 * service model, checks the list against them, and checks that the SAM-transformed role grants
 * the IAM actions that authorize each call.
 */

/** SDK v3 client packages → botocore's service name and the IAM action prefix. */
const PACKAGES: Record<string, { botocore: string; iam: string }> = {
  '@aws-sdk/client-api-gateway': { botocore: 'apigateway', iam: 'apigateway' },
  '@aws-sdk/client-cloudformation': { botocore: 'cloudformation', iam: 'cloudformation' },
  '@aws-sdk/client-cloudtrail': { botocore: 'cloudtrail', iam: 'cloudtrail' },
  '@aws-sdk/client-cloudwatch': { botocore: 'cloudwatch', iam: 'cloudwatch' },
  '@aws-sdk/client-firehose': { botocore: 'firehose', iam: 'firehose' },
  '@aws-sdk/client-s3': { botocore: 's3', iam: 's3' },
};
/** lib-storage's Upload: a PutObject, or a multipart upload it aborts on failure. */
const UPLOAD_CALLS = [
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
];

/** The handler's module and every functions/ module it imports, transitively. */
function modulesOf(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), spec as string);
      const candidate = [`${target}.ts`, join(target, 'index.ts')].find(existsSync);
      if (candidate) visit(candidate);
    }
  };
  visit(entry);
  return [...seen];
}

/** `service:Operation` for every SDK command, paginator and Upload a module uses. */
function callsIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // `import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3'`, or the same
  // names taken from `await import('@aws-sdk/client-…')`.
  const imports = /\{([^}]*)\}\s*(?:from\s*|=\s*await import\()\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g;
  const calls: string[] = [];
  for (const [, names, pkg] of text.matchAll(imports)) {
    const service = PACKAGES[pkg as string];
    if (!service) throw new Error(`${file} uses ${pkg}: add it to PACKAGES`);
    for (const raw of (names as string).split(',')) {
      const name = raw.trim().replace(/^type\s+/, '');
      const api = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
      if (!api || !new RegExp(`\\b${name}\\b`).test(text.replace(imports, ''))) continue;
      // Each name is an operation of the service model: a typo or a renamed command fails here.
      calls.push(`${service.botocore}:${operation(serviceModel(service.botocore), api).name}`);
    }
  }
  if (/new Upload\(/.test(text)) calls.push(...UPLOAD_CALLS.map((op) => `s3:${op}`));
  return calls;
}

const template = loadTemplate();
const functions = resourcesOfType(template, 'AWS::Serverless::Function').map(([id]) => ({
  id,
  entry: functionEntry(id, template),
}));

describe.each(functions)('$id', ({ id, entry }) => {
  const listed = JSON.parse(readFileSync(join(dirname(entry), 'aws-calls.json'), 'utf8')) as {
    calls: string[];
  };
  const inCode = [...new Set(modulesOf(entry).flatMap(callsIn))].sort();

  it('lists in aws-calls.json exactly the AWS calls its code makes', () => {
    expect([...listed.calls].sort()).toEqual(inCode);
  });

  it('has a role that grants the IAM action of every call', () => {
    const transformed = samTransformed('loglake-test', {
      Stage: 'dev',
      CreateRedshiftServerless: 'true',
      AuditSourceBucketNames: 'customer-exports',
    }) as unknown as Template;
    const role = transformed.Resources[`${id}Role`];
    expect(role).toBeDefined();
    const statements = roleStatements(transformed, `${id}Role`, {
      CreateRedshiftServerless: 'true',
      AuditSourceBucketNames: ['customer-exports'],
    });
    const missing = listed.calls.flatMap((call) => {
      const [service, op] = call.split(':') as [string, string];
      const prefix = Object.values(PACKAGES).find((p) => p.botocore === service)?.iam ?? service;
      return iamActionsFor(prefix, op).filter((action) => !grants(statements, action, undefined));
    });
    expect(missing).toEqual([]);
  });
});
