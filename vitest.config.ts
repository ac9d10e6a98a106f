import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages export built JavaScript by default; tests import their TypeScript through the `source`
// export condition (as `tsc` does), so a test never runs stale dist/ code.
const conditions = ['source', 'module', 'node', 'development|production'];

// The mini program SDK publishes only its build (exports name no source, and no test support): inside the
// workspace its importers reach the source here, as packages/miniprogram/tsconfig.json's paths do for tsc.
const sdk = (path: string) => fileURLToPath(new URL(`packages/miniprogram-sdk/${path}`, import.meta.url));
const alias = [
  { find: /^@facegate\/miniprogram-sdk$/, replacement: sdk('src/index.ts') },
  { find: /^@facegate\/miniprogram-sdk\/testing$/, replacement: sdk('test/support/index.ts') },
];

export default defineConfig({
  resolve: { conditions, alias },
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
