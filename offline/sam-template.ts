import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo';
import { loadTemplate } from './template';

/** A CloudFormation template as JSON (after the SAM transform). */
export interface CfnTemplate {
  Parameters?: Record<string, { Default?: unknown; Type?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Condition?: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }
  >;
}

const translated = new Map<string, CfnTemplate>();

/**
 * template.yaml after the SAM transform, for a stack name and parameter values (cached): the
 * template with its pipelines' nested stacks read in place (offline/template.ts), so the roles
 * and policies SAM generates for them are checked with the root's.
 */
export function samTransformed(stackName: string, parameters: Record<string, string> = {}): CfnTemplate {
  const key = JSON.stringify([stackName, parameters]);
  const cached = translated.get(key);
  if (cached) return cached;
  const run = spawnSync(
    join(REPO_ROOT, '.venv', 'bin', 'python'),
    [
      join(REPO_ROOT, 'offline', 'sam-translate.py'),
      flattenedTemplateFile(),
      stackName,
      JSON.stringify(parameters),
      REPO_ROOT,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`SAM transform failed: ${run.stderr}`);
  const template = JSON.parse(run.stdout) as CfnTemplate;
  translated.set(key, template);
  return template;
}

let flattenedFile: string | undefined;

/** The one-template view as a file beside template.yaml, so relative DefinitionUris still resolve. */
function flattenedTemplateFile(): string {
  if (flattenedFile) return flattenedFile;
  const dir = join(REPO_ROOT, '.aws-sam');
  mkdirSync(dir, { recursive: true });
  flattenedFile = join(dir, `loglake-flattened-${process.pid}.json`);
  writeFileSync(flattenedFile, JSON.stringify(loadTemplate()));
  return flattenedFile;
}
