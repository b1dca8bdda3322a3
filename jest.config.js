/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: false },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const project = (displayName, roots) => ({
  displayName,
  roots,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+\\.sql$': '<rootDir>/tests/support/text-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json', 'sql'],
  setupFiles: ['<rootDir>/tests/support/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/tests/support/setup-matchers.ts'],
  testMatch: ['**/*.test.ts'],
  // Generous on a busy 2-core machine: tests start engines (PGlite, the SAM translator, built
  // bundles in fresh processes); a hang still fails, within a minute.
  testTimeout: 60_000,
});

module.exports = {
  projects: [
    project('unit', ['<rootDir>/tests/unit']),
    project('workflows', ['<rootDir>/tests/harness', '<rootDir>/tests/workflows']),
    project('template', ['<rootDir>/tests/template']),
    project('contract', ['<rootDir>/tests/contract']),
    project('bench', ['<rootDir>/tests/bench']),
    project('sql', ['<rootDir>/tests/sql']),
    project('dashboards', ['<rootDir>/tests/dashboards']),
    project('demo', ['<rootDir>/tests/demo', '<rootDir>/tests/tools']),
  ],
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
  collectCoverageFrom: ['functions/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { statements: 90, branches: 85, functions: 90, lines: 90 } },
};
