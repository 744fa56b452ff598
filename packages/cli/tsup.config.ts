import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library (createDashboardServer, StatsMonitor, run).
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // Builds run in parallel: leave the bin and the web page to their own builds.
    clean: ['!bin.js', '!web/**'],
    shims: true,
    target: 'node20',
  },
  {
    // The `memkit` executable: one self-contained ESM file.
    entry: ['src/bin.ts'],
    format: ['esm'],
    clean: false,
    target: 'node20',
  },
  {
    // The dashboard page, with uPlot bundled in: served from dist/web, no CDN.
    entry: ['src/web/app.ts', 'src/web/app.css'],
    outDir: 'dist/web',
    format: ['iife'],
    platform: 'browser',
    target: 'es2020',
    noExternal: [/.*/],
    minify: true,
    clean: true,
    publicDir: 'src/web/public',
    outExtension: () => ({ js: '.js' }),
  },
]);
