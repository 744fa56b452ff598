// Self-test of the harness: the real adapters must pass, and deliberately
// broken adapters must be reported as failed/INVALID instead of posting numbers.
//   npm test

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseMemaslap } from '../lib/cref.mjs';
import { countBursts } from '../lib/getorset.mjs';
import { spreadProblem } from '../lib/loop-workload.mjs';
import { HERE, ROOT, useFleet } from './helpers.mjs';

const worker = useFleet();

const NO_TLS = ['memjs', 'memcached'];
// The large-value rows (n, o, p) take seconds per call with some peers, so
// the self-test runs them on two clients only; the quick run runs them all.
const HEAVY = ['memkit', 'memcache-client'];
// A measured fact of the pinned peer, not a harness error: jaredwray memcache
// opens a socket per concurrent first call and loses the replies.
const COLD_BURST_FAILS = ['memcache'];

for (const name of ['memkit', 'memjs', 'memcached', 'memcache-client', 'memcache']) {
  test(`${name}: smoke test and all workloads valid`, () => {
    const heavy = HEAVY.includes(name);
    const ids = `a,b,c,d,e,f,g,h,i,j,k,l,m,q${heavy ? ',n,o,p' : ''}`;
    const res = worker(path.join(ROOT, 'adapters', `${name}.mjs`), ids);
    assert.ok(res.smoke.ok, JSON.stringify(res.smoke));
    assert.equal(Object.keys(res.workloads).length, heavy ? 17 : 14);
    if (COLD_BURST_FAILS.includes(name)) {
      assert.ok(res.workloads.q.storm, `sockets: ${res.workloads.q.sockets}`);
      delete res.workloads.q;
    } else {
      assert.ok(res.workloads.q.sockets >= 1 && res.workloads.q.totalMs > 0);
    }
    // clients without TLS say so instead of posting a number
    for (const id of ['k', 'l', 'm']) {
      if (!NO_TLS.includes(name)) continue;
      assert.equal(res.workloads[id].cell, 'no TLS');
      delete res.workloads[id];
    }
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
    assert.equal(res.workloads.j.staleReads, 0);
    if (heavy) assert.ok(res.workloads.o.rss.copiesMedian > 0, JSON.stringify(res.workloads.o.rss));
  });
}

test('floor: runs getMulti (f) only, and passes', () => {
  const res = worker(path.join(ROOT, 'adapters/floor.mjs'), 'b,f');
  assert.ok(res.smoke.ok, JSON.stringify(res.smoke));
  assert.ok(res.workloads.f.valid, res.workloads.f.problems.join('; '));
  assert.ok(res.workloads.f.keysPerSec > 0);
  assert.match(res.workloads.b.skipped, /reference client/);
});

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

test('the spread bound takes a skewed ketama ring and catches an ignored server', () => {
  // the memcache 1.10 fill that failed a CI run (its ring on that run's ports)
  assert.equal(spreadProblem([4695, 4591, 714], 10_000), null);
  // the skewest of 5,000 port draws of that peer's ring
  assert.equal(spreadProblem([293, 4853, 4854], 10_000), null);
  assert.match(spreadProblem([9950, 50, 0], 10_000), /not spread over the 3 servers: 9950 \/ 50 \/ 0/);
  assert.match(spreadProblem([9920, 80], 10_000), /not spread over the 2 servers/);
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
