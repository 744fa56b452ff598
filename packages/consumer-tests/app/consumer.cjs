// The CommonJS consumer: loads every module with `require` (as a CommonJS application does) and
// runs the same scenarios as consumer.mjs.
'use strict';

import('./scenarios/run.mjs').then(({ runConsumer }) =>
  runConsumer({
    format: 'cjs',
    load: async (specifier) => require(specifier),
    // The ESM build of the same package, for the dual-package check.
    loadOther: (specifier) => import(specifier),
  }),
);
