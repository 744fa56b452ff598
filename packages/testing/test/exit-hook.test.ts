import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive, waitFor } from './helpers';

// esbuild comes with tsup (a root devDependency); it bundles the fixture with the package source
// so a plain `node` child can run it.
interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}
const fromTsup = createRequire(createRequire(import.meta.url).resolve('tsup'));
const esbuild = fromTsup('esbuild') as Esbuild;

let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memkit-exit-hook-'));
  script = join(dir, 'orphan.mjs');
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'fixtures/orphan.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function runChild(mode: string): Promise<{ code: number | null; pid: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [script, mode], { timeout: 10_000 }, (_err, stdout) => {
      resolve({ code: child.exitCode, pid: Number.parseInt(stdout, 10) });
    });
  });
}

describe('process exit hook', () => {
  it('kills a memcached the test process forgot to stop, and the process still exits', async () => {
    const { code, pid } = await runChild('normal');
    expect(code).toBe(0);
    expect(pid).toBeGreaterThan(0);
    expect(await waitFor(() => !pidAlive(pid), 2000)).toBe(true);
  });

  it('kills it when the test process crashes', async () => {
    const { code, pid } = await runChild('throw');
    expect(code).not.toBe(0);
    expect(pid).toBeGreaterThan(0);
    expect(await waitFor(() => !pidAlive(pid), 2000)).toBe(true);
  });
});
