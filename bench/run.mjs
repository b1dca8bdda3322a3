// Compiles bench/main.ts (and what it imports) with esbuild and runs it: the benchmarks are
// TypeScript like the rest of the project, and need no TypeScript runner.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('bench/.build', { recursive: true });
await build({
  entryPoints: ['bench/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  packages: 'external',
  outfile: 'bench/.build/main.cjs',
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['bench/.build/main.cjs'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
