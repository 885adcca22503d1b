import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only unit tests of pure helpers: the benchmarks themselves never run under vitest.
    include: ['test/**/*.test.ts'],
  },
});
