import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import { runProcess } from '../../offline/process';

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

/** Runs a glue_local.py command (real PySpark / DuckDB) and returns the JSON it prints. */
export async function runPython<T>(command: string, args: Record<string, string>): Promise<T> {
  const argv = [join(REPO_ROOT, 'tools', 'local', 'glue_local.py'), command];
  for (const [name, value] of Object.entries(args)) argv.push(`--${name}`, value);
  const { status, stdout, stderr } = await runProcess(PYTHON, argv, { cwd: REPO_ROOT });
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
