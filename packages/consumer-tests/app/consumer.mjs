// The ESM consumer: loads every module with `import` (as an ESM application does) and runs the
// scenarios named on the command line against the servers in the environment.
import { createRequire } from 'node:module';
import { runConsumer } from './scenarios/run.mjs';

const require = createRequire(import.meta.url);

await runConsumer({
  format: 'esm',
  load: (specifier) =>
    specifier.endsWith('.json') ? import(specifier, { with: { type: 'json' } }) : import(specifier),
  // The CommonJS build of the same package, for the dual-package check.
  loadOther: async (specifier) => require(specifier),
});
