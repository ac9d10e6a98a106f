import { defineConfig } from 'vitest/config';

// Workspace packages export built JavaScript by default; tests import their TypeScript through the `source`
// export condition (as `tsc` does), so a test never runs stale dist/ code.
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    // Tests that start the real CLI as a child process run the built JavaScript: build it once first.
    globalSetup: ['tests/support/build-once.ts'],
    // vitest's default is one worker per core less one: a single worker on a 2-core machine, while most test
    // files wait on child processes, PostgreSQL or sockets rather than compute
    maxWorkers: 3,
    testTimeout: 30_000,
    // CI also writes a JSON report, from which .ci/run prints a one-line summary.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.d.ts'],
      // written to files, so the test command's last lines are the pass/fail summary
      reporter: [
        ['text', { file: 'coverage.txt' }],
        ['text-summary', { file: 'coverage-summary.txt' }],
      ],
      thresholds: {
        'packages/domain/src/**': { lines: 95 },
      },
    },
  },
});
