import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

/** Runs a glue_local.py command (real PySpark / DuckDB) and returns the JSON it prints. */
export async function runPython<T>(command: string, args: Record<string, string>): Promise<T> {
  const argv = [join(REPO_ROOT, 'tools', 'local', 'glue_local.py'), command];
  for (const [name, value] of Object.entries(args)) argv.push(`--${name}`, value);
  const child = spawn(PYTHON, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) {
    const tail = stderr
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('\tat '))
      .slice(-8)
      .join('\n');
    throw new Error(`${command} failed (exit ${status}): ${tail}`);
  }
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as T;
}
