import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // The stalled-server test measures the heap after forced collections.
    execArgv: ['--expose-gc'],
  },
});
