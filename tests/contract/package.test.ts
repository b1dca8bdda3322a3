import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../offline/fixtures';
import { type RecordingS3, startRecordingS3 } from '../../offline/recording-s3';
import {
  type Json,
  loadTemplate,
  parseTemplate,
  resourcesOfType,
  type Template,
} from '../../offline/template';

// What `sam deploy` uploads before it creates the stack: `sam package` of the built template,
// against a local S3 endpoint that records each object instead of storing it.
const BUCKET = 'loglake-test-artifacts';
const BUILT = join(REPO_ROOT, '.aws-sam', 'build', 'template.yaml');
let s3: RecordingS3;
let packaged: Template;

beforeAll(async () => {
  if (!existsSync(BUILT))
    throw new Error(`${BUILT} is missing: run \`make sam-build\` (make test does) first`);
  s3 = await startRecordingS3();
  const output = join(mkdtempSync(join(tmpdir(), 'loglake-package-')), 'packaged.yaml');
  await promisify(execFile)(
    join(REPO_ROOT, '.venv', 'bin', 'sam'),
    [
      'package',
      '--template-file',
      BUILT,
      '--s3-bucket',
      BUCKET,
      '--region',
      'eu-west-1',
      '--output-template-file',
      output,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(tmpdir(), 'loglake-package-home-')),
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ACCESS_KEY_ID: 'AKIDLOGLAKETEST',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        SAM_CLI_TELEMETRY: '0',
      },
    },
  ).catch((error: Error & { stderr?: string }) => {
    throw new Error(`sam package failed: ${error.stderr ?? error.message}`);
  });
  packaged = parseTemplate(readFileSync(output, 'utf8'));
}, 300_000);

afterAll(() => s3?.close());

/** The uploaded object a packaged reference names, or undefined when it names none. */
function uploaded(reference: Json | undefined): Buffer | undefined {
  if (typeof reference === 'string') {
    const key = reference.startsWith('s3://') ? reference.slice(5) : reference.replace(`${s3.url}/`, '');
    return s3.objects.get(key);
  }
  const { Bucket, Key } = (reference ?? {}) as { Bucket?: string; Key?: string };
  return s3.objects.get(`${Bucket}/${Key}`);
}

/** Every local artifact reference of a packaged template and of the nested templates it names, with the object it names. */
function artifacts(template: Template, where = 'template.yaml'): [string, Buffer | undefined][] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    const at = `${where} ${id}`;
    switch (resource.Type) {
      case 'AWS::Serverless::Application': {
        const body = uploaded(properties.Location);
        const nested: [string, Buffer | undefined][] = body
          ? artifacts(parseTemplate(body.toString()), at)
          : [];
        return [[`${at} Location`, body], ...nested];
      }
      case 'AWS::Serverless::Function':
        return [[`${at} CodeUri`, uploaded(properties.CodeUri)]];
      case 'AWS::Serverless::StateMachine':
        return [[`${at} DefinitionUri`, uploaded(properties.DefinitionUri)]];
      case 'AWS::Glue::Job':
        return [
          [
            `${at} ScriptLocation`,
            uploaded((properties.Command as { ScriptLocation?: Json }).ScriptLocation),
          ],
        ];
      default:
        return [];
    }
  });
}

describe('sam package (what sam deploy uploads)', () => {
  it('uploads every pipeline stack and every module it uses, and points each Application at its upload', () => {
    const found = artifacts(packaged).filter(
      ([what]) => what.endsWith('Location') && !what.endsWith('ScriptLocation'),
    );
    const pipelines = Object.values(packaged.Resources).filter(
      (r) => r.Type === 'AWS::Serverless::Application',
    );

    expect(pipelines.length).toBeGreaterThanOrEqual(8);
    expect(found.filter(([, body]) => !body).map(([what]) => what)).toEqual([]);
    // Each pipeline's stack and its alarm modules: more templates than pipelines.
    expect(found.length).toBeGreaterThan(pipelines.length);
  });

  it('uploads each function as a zip with its bundle, each state machine definition and each Glue script', () => {
    const all = artifacts(packaged);
    const missing = all.filter(([, body]) => !body).map(([what]) => what);
    const code = all.filter(([what]) => what.endsWith('CodeUri'));
    const definitions = all.filter(([what]) => what.endsWith('DefinitionUri'));
    const scripts = all.filter(([what]) => what.endsWith('ScriptLocation'));

    expect(missing).toEqual([]);
    expect(code.length).toBe(resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').length);
    // A zip (local file header PK\x03\x04) holding the esbuild bundle.
    for (const [what, body] of code)
      expect([what, body?.subarray(0, 4).toString('hex'), body?.includes('index.js')]).toEqual([
        what,
        '504b0304',
        true,
      ]);
    expect(definitions.length).toBe(resourcesOfType(loadTemplate(), 'AWS::Serverless::StateMachine').length);
    for (const [what, body] of definitions)
      expect([what, 'StartAt' in JSON.parse(String(body))]).toEqual([what, true]);
    expect(scripts.map(([, body]) => String(body).includes('GlueContext'))).toEqual([true, true]);
  });
});
