import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The test files mostly wait for child processes: two run side by side even on two cores.
    maxWorkers: 2,
    // Each test spawns runtimes and waits for them; a cold npm install happens in the global setup.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
