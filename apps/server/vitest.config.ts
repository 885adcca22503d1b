import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start whole clusters of real processes: at most two files at once on a
    // 2-core machine, with room for a failover to take its time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
