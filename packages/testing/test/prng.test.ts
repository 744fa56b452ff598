/**
 * `@memkit/testing/prng`, the entry benchmarks load: the built package, resolved by name in a
 * plain Node process, gives the same sequence as `createPrng` of the main entry, from import and
 * require alike, and loads neither vitest nor fast-check (the main entry loads both).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../src/index';

const PACKAGE_DIR = join(import.meta.dirname, '..');
const REFUSE = join(import.meta.dirname, 'fixtures/refuse-test-libraries.mjs');

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const importScript = (entry: string) =>
  `const { createPrng } = await import('${entry}'); const r = createPrng(42); console.log(JSON.stringify([r(), r(), r()]));`;

describe('@memkit/testing/prng', () => {
  const r = createPrng(42);
  const expected = [r(), r(), r()];

  it('imports without vitest or fast-check, with the same sequence', () => {
    const run = node(['--import', REFUSE, '--input-type=module', '-e', importScript('@memkit/testing/prng')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expected);
  });

  it('the check is real: the main entry fails it', () => {
    const run = node(['--import', REFUSE, '--input-type=module', '-e', importScript('@memkit/testing')]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/loaded .*node_modules.*(vitest|fast-check)/);
  });

  it('requires without vitest or fast-check, with the same sequence', () => {
    const run = node([
      '-e',
      `const { createPrng } = require('@memkit/testing/prng');
       const r = createPrng(42);
       const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](vitest|fast-check)[\\\\/]/.test(f));
       console.log(JSON.stringify({ values: [r(), r(), r()], loaded }));`,
    ]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ values: expected, loaded: [] });
  });
});
