import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // The end-to-end test starts a real cluster (balancer + 3 servers) and the built binary.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
