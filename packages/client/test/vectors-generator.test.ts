/**
 * The reference vectors are reproducible: scripts/vectors/generate.py, run
 * against real memcached processes and the real Python clients, writes the
 * files in fixtures/vectors byte for byte. A missing memcached or Python
 * library fails this test (the generator says which) instead of skipping it,
 * because vectors nobody can regenerate are vectors nobody can trust.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, VECTORS_DIR } from './helpers/vectors';

const PYTHON = process.env.MEMKIT_VECTORS_PYTHON ?? '/usr/bin/python3';
const GENERATOR = path.join(REPO_ROOT, 'scripts/vectors/generate.py');

describe('scripts/vectors/generate.py', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'memkit-vectors-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('reproduces every file of fixtures/vectors byte for byte', () => {
    const run = spawnSync(PYTHON, [GENERATOR, '--out', out], { encoding: 'utf8', timeout: 170_000 });
    expect(run.error, `could not run ${PYTHON}`).toBeUndefined();
    expect(run.status, `generator failed:\n${run.stderr}`).toBe(0);
    const committed = readdirSync(VECTORS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(readdirSync(out).sort()).toEqual(committed);
    expect(committed.length).toBe(6);
    for (const file of committed) {
      const want = readFileSync(path.join(VECTORS_DIR, file));
      const got = readFileSync(path.join(out, file));
      expect(got.equals(want), `${file} differs from the generator's output: run \`pnpm vectors\``).toBe(
        true,
      );
    }
  }, 180_000);
});
