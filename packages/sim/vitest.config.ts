import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Simulation tests run whole clusters for simulated seconds: give them room on a busy machine.
    testTimeout: 120_000,
  },
});
