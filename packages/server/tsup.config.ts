import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library, for import and require.
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: ['!cli.js'],
    target: 'node20',
  },
  {
    // The `memkit-server` executable (bin/memkit-server.js loads it): ESM only, no types.
    entry: ['src/cli.ts'],
    format: ['esm'],
    clean: false,
    target: 'node20',
  },
]);
