import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Chromium and the spawned app compete for two cores: run the files one after the other.
    fileParallelism: false,
  },
});
