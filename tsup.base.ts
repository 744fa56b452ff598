/**
 * The tsup build every library package shares: `src/index.ts` as ESM and CJS for Node 20, with
 * type declarations, into a cleaned `dist`. A package's tsup.config.ts passes what differs
 * (more entries, source maps). Listed in turbo.json's build inputs, so a change here rebuilds
 * every package that uses it.
 */
import type { Options } from 'tsup';

export function library(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    ...overrides,
  };
}
