// Rewrites the generated sections of README.md and src/options.ts (option and error tables)
// by running their check in write mode, so the generator is the very code the test runs.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const { status } = spawnSync(process.execPath, [vitest, 'run', 'test/docs-tables.test.ts'], {
  cwd: join(import.meta.dirname, '..'),
  env: { ...process.env, MEMKIT_WRITE_DOCS: '1' },
  stdio: 'inherit',
});
process.exit(status ?? 1);
