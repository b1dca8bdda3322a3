import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmarks } from '../../bench/main';
import { REPO_ROOT } from '../../offline/fixtures';

// Runs the benchmark code once on tiny inputs so it cannot rot; it asserts what the
// benchmark reports, never how fast anything was (that is `npm run bench`'s job).
describe('benchmarks, smoke run', () => {
  it('measures every function on tiny inputs and reports every measure with its target', async () => {
    const report = await runBenchmarks({
      smoke: true,
      python: join(REPO_ROOT, '.venv', 'bin', 'python'),
      resultsDir: mkdtempSync(join(tmpdir(), 'loglake-bench-results-')),
    });

    const measures = report.rows.map((r) => r.measure);
    expect(measures).toEqual(
      expect.arrayContaining([
        'clickstream 0.02 MiB: raw log transformed',
        'clickstream 0.02 MiB: time vs the Node floor',
        'clickstream 0.02 MiB: speed vs seed ETL',
        'cloudwatch logs: time vs its Node floor (gunzip + JSON.parse)',
        'clickstream 6 MiB: peak RSS of a fresh process',
        'cloudwatch logs: decompressed output throughput',
        'dynamodb 100 changes: PutRecordBatch calls',
        'ClickstreamTransformFunction: import in a fresh process',
        'DynamoDbStreamForwarderFunction: bundle size',
        'audit CSV, a quote never closed: time for twice the bytes',
      ]),
    );
    expect(report.rows.every((r) => Number.isFinite(r.value) && r.value > 0)).toBe(true);
    const correctness = report.rows.filter(
      (r) => r.measure.endsWith('response') || r.measure.includes('PutRecordBatch calls'),
    );
    expect(correctness.length).toBeGreaterThanOrEqual(3);
    expect(correctness.every((r) => r.met)).toBe(true);
    expect(report.machine.cpu).not.toBe('');
  }, 120_000);
});
