import { spawnSync } from 'node:child_process';
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
    [join(REPO_ROOT, 'offline', 'sam-translate.py'), '-', stackName, JSON.stringify(parameters), REPO_ROOT],
    // The one-template view on stdin: no file to write or clean up.
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, input: JSON.stringify(loadTemplate()) },
  );
  if (run.status !== 0) throw new Error(`SAM transform failed: ${run.stderr}`);
  const template = JSON.parse(run.stdout) as CfnTemplate;
  translated.set(key, template);
  return template;
}
