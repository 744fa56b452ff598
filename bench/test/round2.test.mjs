// Self-test of the checks added with the skewed workload, the cold burst and
// the target table: a near cache that keeps its maxAge passes, one that serves
// values past it is flagged; a connection storm is reported; every target row
// is computed from the runs it is given.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { renderMarkdown, summarize } from '../lib/report.mjs';
import { zipfSequence } from '../lib/skewed.mjs';
import { targets } from '../lib/targets.mjs';
import { HERE, ROOT, useFleet } from './helpers.mjs';

const worker = useFleet();
// A short maxAge, so a run of well under a second spans many of them.
const NEAR = { BENCH_NEAR_MAX_AGE_MS: '20', BENCH_STALE_SLACK_MS: '10' };

test('a near cache that keeps its maxAge passes the staleness check', () => {
  const res = worker(path.join(HERE, 'fixtures/near-cache.mjs'), 'j', NEAR);
  const j = res.workloads.j;
  assert.ok(j.valid, j.problems.join('; '));
  assert.deepEqual(j.nearCache, { maxBytes: 32 * 1024 * 1024, maxAge: 20 });
  assert.equal(j.staleReads, 0);
  // it did answer reads locally, and some values it served had been replaced (within maxAge)
  assert.ok(j.serverReadFraction < 0.9, `server read fraction ${j.serverReadFraction}`);
  assert.ok(j.maxStalenessMs > 0 && j.maxStalenessMs <= 20, `max staleness ${j.maxStalenessMs}`);
});

test('a near cache that serves values past maxAge is flagged', () => {
  const res = worker(path.join(HERE, 'fixtures/stale-near-cache.mjs'), 'j', NEAR);
  const j = res.workloads.j;
  assert.equal(j.valid, false);
  assert.ok(j.staleReads > 0);
  assert.match(j.problems.join(' '), /stale reads beyond maxAge 20 ms \+ slack 10 ms/);
});

test('a client that caches without declaring a near cache is held to maxAge 0', () => {
  const res = worker(path.join(HERE, 'fixtures/cheater.mjs'), 'j');
  assert.equal(res.workloads.j.valid, false);
  assert.match(res.workloads.j.problems.join(' '), /stale reads|server counted|read-back/);
});

test("memkit's own near cache passes the staleness check with a short maxAge, and reports its hit ratio", () => {
  const res = worker(path.join(ROOT, 'adapters/memkit.mjs'), 'j', NEAR);
  const j = res.workloads.j;
  assert.ok(j.valid, j.problems.join('; '));
  assert.deepEqual(j.nearCache, { maxBytes: 32 * 1024 * 1024, maxAge: 20 });
  assert.equal(j.staleReads, 0);
  assert.ok(
    j.nearCacheStats.hits > 0 && j.nearCacheStats.revalidations > 0,
    JSON.stringify(j.nearCacheStats),
  );
  assert.ok(j.nearCacheHitRatio > 0 && j.nearCacheHitRatio < 1, `hit ratio ${j.nearCacheHitRatio}`);
  assert.equal(j.nearCacheHitRatio, Math.round((j.nearCacheStats.hits / j.reads) * 1000) / 1000);
});

test('memkit-nonear runs j only, without the near cache, held to maxAge 0', () => {
  const res = worker(path.join(ROOT, 'adapters/memkit-nonear.mjs'), 'c,j');
  assert.ok(res.smoke.ok, JSON.stringify(res.smoke));
  assert.match(res.workloads.c.skipped, /runs j only/);
  const j = res.workloads.j;
  assert.ok(j.valid, j.problems.join('; '));
  assert.equal(j.nearCache, null);
  assert.equal(j.staleBoundMs, 50); // maxAge 0 + the default slack
  assert.equal(j.staleReads, 0);
  assert.ok(j.serverReadFraction >= 1, `server read fraction ${j.serverReadFraction}`);
});

test('a connection storm in a cold burst is reported', () => {
  const res = worker(path.join(HERE, 'fixtures/storm.mjs'), 'q');
  const q = res.workloads.q;
  assert.ok(q.valid, q.problems.join('; ')); // every value was right: a measured fact, not a failure
  assert.equal(q.sockets, 8);
  assert.equal(q.storm, true);
  const md = renderMarkdown(summarize([{ clients: { storm: res } }]), { runsCount: 1 });
  assert.match(md, /\| q\) … sockets the server accepted \(target ≤ 2 per server\) \| 8 ⚠ storm \|/);
  const row = targets([{ clients: { memkit: res } }]).find((r) => r.label.startsWith('cold burst, sockets'));
  assert.equal(row.met, 'no');
});

test('the table marks TLS rows of a client that cannot verify certificates', () => {
  const run = {
    clients: {
      lax: {
        meta: { name: 'lax', tls: true, tlsNoVerify: 'its TLS option has no CA setting' },
        workloads: { l: { id: 'l', valid: true, opsPerSec: 1000, latency: { p50Us: 1, p99Us: 2 } } },
      },
    },
  };
  const md = renderMarkdown(summarize([run]), { runsCount: 1 });
  assert.match(md, /\| l\) TLS get hit 100B, c=64 \| 1,000† \|/);
  assert.match(md, /† lax: TLS without certificate verification: its TLS option has no CA setting/);
});

test('zipf sequence: rank r drawn with probability ∝ 1/(r+1)^0.99', () => {
  const n = 100_000;
  const seq = zipfSequence(n, 0.99, 1 << 20);
  let h = 0;
  for (let r = 1; r <= n; r++) h += 1 / r ** 0.99;
  const count = (rank) => seq.reduce((a, x) => a + (x === rank ? 1 : 0), 0) / seq.length;
  for (const rank of [0, 1, 9]) {
    const want = 1 / (rank + 1) ** 0.99 / h;
    assert.ok(Math.abs(count(rank) - want) / want < 0.05, `rank ${rank}: ${count(rank)} vs ${want}`);
  }
  assert.deepEqual(zipfSequence(n, 0.99, 8), zipfSequence(n, 0.99, 8)); // same for every client
});

test('target table: each row is computed from the runs and judged', () => {
  const w = (x) => ({ valid: true, ...x });
  const lat = (p50Us, p99Us) => ({ latency: { p50Us, p99Us, meanUs: p50Us } });
  const run = (memkitJ) => ({
    clients: {
      memkit: {
        workloads: {
          a: w({ opsPerSec: 100, ...lat(40, 90) }),
          b: w({ opsPerSec: 100, ...lat(50, 120) }),
          c: w({ opsPerSec: 300 }),
          f: w({ keysPerSec: 950 }),
          j: w(memkitJ),
          l: w({ opsPerSec: 500 }),
          o: w({ ...lat(40_000, 60_000), rss: { copiesMedian: 2.5 } }),
          p: w(lat(19_000, 25_000)),
          q: w({ socketsPerServer: 1, totalMs: 100 }),
        },
      },
      memjs: {
        workloads: {
          a: w(lat(45, 80)),
          b: w(lat(60, 130)),
          c: w({ opsPerSec: 100 }),
          j: w({ opsPerSec: 100 }),
          q: w({ totalMs: 400 }),
        },
      },
      'memcache-client': { workloads: { l: w({ opsPerSec: 200 }) } },
      memcache: { workloads: { l: w({ opsPerSec: 300 }) } },
      floor: { workloads: { f: w({ keysPerSec: 1000 }) } },
    },
  });
  const rows = targets([run({ opsPerSec: 1200, nearCache: { maxAge: 1000 } })]);
  const get = (prefix) => rows.find((r) => r.label.startsWith(prefix));
  assert.deepEqual(
    [get('get 100 B, c=1, p50').met, get('get 100 B, c=1, p99').met, get('set 100 B, c=1, p99').met],
    ['yes', 'yes', 'no'],
  );
  assert.equal(get('skewed').measured, '12.00x');
  assert.equal(get('skewed').met, 'yes');
  assert.match(get('TLS get 100 B, c=64').label, /best TLS peer \(memcache\)/);
  assert.equal(get('TLS get 100 B, c=64').measured, '1.67x');
  assert.equal(get('TLS get 100 B, c=64').met, 'no');
  assert.equal(get('get 16 MiB, p50').met, 'yes');
  assert.equal(get('get 16 MiB, copies').met, 'no');
  assert.equal(get('getMulti 10,000 keys').met, 'yes');
  assert.equal(get('cold burst, sockets').met, 'yes');
  assert.equal(get('getMulti 100 keys, c=8: memkit / floor').measured, '0.95x');
  assert.equal(get('getMulti 100 keys, c=8: memkit / floor').met, 'yes');
  assert.equal(get('get 100 B, c=64: memkit / memjs').met, 'yes');
  assert.equal(get('get 100 B, c=512').met, 'n/a'); // no data: never "met"
  // the near-cache target is not met by a run without the near cache, whatever the ratio
  const without = targets([run({ opsPerSec: 1200, nearCache: null })]);
  assert.match(without.find((r) => r.label.startsWith('skewed')).met, /^no \(ran without a near cache\)/);
});
