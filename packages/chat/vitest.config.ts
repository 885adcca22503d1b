import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Property tests run thousands of cases; on a loaded 2-core CI machine the default 5 s is too tight.
  test: { testTimeout: 60_000 },
});
