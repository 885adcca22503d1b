import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only the vitest suites: Playwright's browser tests (e2e/browser) have their own runner.
    include: ['test/**/*.test.ts'],
    // The nemesis test runs a real cluster and client processes for a minute or two on a small
    // machine: one file at a time, with a generous bound.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
