// Shared by the self-test files: one fleet of private memcacheds per file
// (every server any workload needs, lib/fleet.mjs), and a function that runs
// the worker on an adapter at a small scale and returns its result document.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFleet } from '../lib/fleet.mjs';
import { WORKLOADS } from '../lib/workloads.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(HERE);
const NODE = [path.join(ROOT, 'node_modules/node/bin/node')].find(existsSync) ?? process.execPath;

/** Start the servers before the file's tests and stop them after; returns `worker()`. */
export function useFleet() {
  let fleet;
  const tmp = mkdtempSync(path.join(tmpdir(), 'bench-test-'));
  before(async () => {
    fleet = await startFleet(WORKLOADS, { threads: 1, memoryMb: 256 });
  });
  after(async () => {
    await fleet?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  /** Run lib/worker.mjs on `adapter` for `workloads` (comma list) at scale 0.02. */
  return function worker(adapter, workloads, env = {}) {
    const out = path.join(tmp, `${path.basename(adapter)}-${workloads}.json`);
    const r = spawnSync(
      NODE,
      [
        path.join(ROOT, 'lib/worker.mjs'),
        ...['--adapter', adapter, '--out', out, '--scale', '0.02', '--workloads', workloads],
        ...fleet.workerArgs(),
      ],
      { encoding: 'utf8', env: { ...process.env, ...env } },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(out, 'utf8'));
  };
}
