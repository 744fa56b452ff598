// Self-test of the harness: the real adapters must pass, and deliberately
// broken adapters must be reported as failed/INVALID instead of posting numbers.
//   npm test

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseMemaslap } from '../lib/cref.mjs';
import { countBursts } from '../lib/getorset.mjs';
import { startMemcached } from '../lib/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const NODE = [path.join(ROOT, 'node_modules/node/bin/node')].find(existsSync) ?? process.execPath;
let mc;
const cluster = [];
const tmp = mkdtempSync(path.join(tmpdir(), 'bench-test-'));

before(async () => {
  mc = await startMemcached({ threads: 1, memoryMb: 256 });
  for (let i = 0; i < 3; i++) cluster.push(await startMemcached({ threads: 1, memoryMb: 64 }));
});
after(async () => {
  await mc?.stop();
  for (const m of cluster) await m.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function worker(adapter, workloads, env = {}) {
  const out = path.join(tmp, `${path.basename(adapter)}-${workloads}.json`);
  const r = spawnSync(
    NODE,
    [
      path.join(ROOT, 'lib/worker.mjs'),
      '--adapter',
      adapter,
      '--server',
      mc.server,
      '--out',
      out,
      '--scale',
      '0.02',
      '--workloads',
      workloads,
      '--cluster',
      cluster.map((m) => m.server).join(','),
    ],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(out, 'utf8'));
}

for (const name of ['memkit', 'memjs', 'memcached', 'memcache-client']) {
  test(`${name}: smoke test and all workloads valid`, () => {
    const res = worker(path.join(ROOT, 'adapters', `${name}.mjs`), 'a,b,c,d,e,f,g,h,i');
    assert.ok(res.smoke.ok, JSON.stringify(res.smoke));
    assert.equal(Object.keys(res.workloads).length, 9);
    // memcache-client has no sharding: it must say so, not post an h number
    if (name === 'memcache-client') {
      assert.match(res.workloads.h.skipped, /random server/);
      assert.equal(res.workloads.h.valid, false);
      delete res.workloads.h;
    } else {
      const spread = res.workloads.h.keysPerServer;
      assert.equal(spread.length, 3);
      assert.equal(
        spread.reduce((a, b) => a + b),
        10_000,
      );
    }
    for (const w of Object.values(res.workloads)) assert.ok(w.valid, `${w.id}: ${w.problems.join('; ')}`);
    // only memkit has a native getOrSet; the others run the harness's emulation
    assert.equal(res.workloads.i.emulated, name !== 'memkit');
  });
}

test('local adapter loads a built package from BENCH_CLIENT_PATH', () => {
  const res = worker(path.join(ROOT, 'adapters/local.mjs'), 'b,f', {
    BENCH_CLIENT_PATH: path.join(ROOT, 'examples/local-client'),
  });
  assert.equal(res.meta.name, 'example-local-client');
  assert.ok(res.smoke.ok, JSON.stringify(res.smoke));
  assert.ok(res.workloads.b.valid && res.workloads.f.valid);
});

test('a client that answers from a local cache is caught', () => {
  const res = worker(path.join(HERE, 'fixtures/cheater.mjs'), 'a,c,g,i');
  for (const id of ['a', 'c', 'g', 'i']) {
    assert.equal(res.workloads[id].valid, false, `${id} should be INVALID`);
    assert.match(res.workloads[id].problems.join(' '), /server counted|read-back|verification failed/);
  }
});

test("a client that returns another key's value is caught", () => {
  const res = worker(path.join(HERE, 'fixtures/swapper.mjs'), 'c');
  assert.equal(res.workloads.c.valid, false);
  assert.match(res.workloads.c.problems.join(' '), /wrong results/);
});

test("a getOrSet that returns another key's value is caught", () => {
  const res = worker(path.join(HERE, 'fixtures/getorset-swapper.mjs'), 'i');
  assert.equal(res.workloads.i.emulated, false);
  assert.equal(res.workloads.i.valid, false);
  assert.match(res.workloads.i.problems.join(' '), /wrong results/);
});

test('a client that ignores all but its first server is caught on the cluster workload', () => {
  const res = worker(path.join(HERE, 'fixtures/one-server.mjs'), 'h');
  assert.equal(res.workloads.h.valid, false);
  assert.match(res.workloads.h.problems.join(' '), /not spread over the 3 servers: 10000 \/ 0 \/ 0/);
});

test('loader calls are grouped into one burst per expiry', () => {
  // three expiries one second apart; the first has a 4-call stampede
  assert.equal(countBursts([0, 1, 2, 30, 1000, 1003, 2001], 500), 3);
  assert.equal(countBursts([], 500), 0);
  // a reload 600 ms after a burst began is a new expiry, not the same stampede
  assert.equal(countBursts([0, 400, 600], 500), 2);
});

test('a client that loses a response is stopped by the watchdog', () => {
  const res = worker(path.join(HERE, 'fixtures/hanger.mjs'), 'b,c', { BENCH_WORKLOAD_TIMEOUT_S: '2' });
  for (const id of ['b', 'c']) {
    assert.equal(res.workloads[id].valid, false);
    assert.match(res.workloads[id].problems.join(' '), /timed out|did not finish/);
  }
});

test('memaslap output parser', () => {
  const sample = [
    'Total Statistics',
    'Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist',
    'Period   1        100          100          0.1        0          10       20         15         1.0        14',
    'Global   1        100          100          0.1        0          10       20         15         1.0        14',
    'cmd_get: 90',
    'cmd_set: 10',
    'get_misses: 0',
  ].join('\n');
  const p = parseMemaslap(sample);
  assert.deepEqual(
    p.periods.map((x) => x.tps),
    [100],
  );
  assert.equal(p.global.avgUs, 15);
  assert.equal(p.counters.cmd_get, 90);
});
