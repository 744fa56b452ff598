import { defineConfig } from 'vitest/config';

// Plain esbuild, which emits no decorator metadata: the app injects everything with explicit
// @Inject tokens, and these tests prove it needs no metadata.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
