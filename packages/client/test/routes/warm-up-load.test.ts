/**
 * The warm-up route under concurrent load, against real memcached: readers
 * and writers on a new pool warming from an old one, the old pool frozen for
 * a while in the middle. Reported like the other resilience scenarios: wrong
 * values, stale reads (a value older than the last write that completed
 * before the read began), rejected calls by code, calls over their timeout,
 * hit ratio of the keys never written (served from the old pool).
 */
import { createPrng, type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { freeze } from '../helpers/backends';

let oldPool: MemcachedInstance[];
let newPool: MemcachedInstance[];

beforeAll(async () => {
  [oldPool, newPool] = await Promise.all([startMemcachedCluster(2), startMemcachedCluster(2)]);
});
afterAll(async () => {
  for (const s of oldPool) s.kill('SIGCONT');
  await stopAll([...oldPool, ...newPool]);
});

/** Per key: the last write that completed (undefined value: deleted), and writes still running. */
interface KeyState {
  value: string | undefined;
  version: number;
  writing: number;
}

const TIMEOUT = 300;
// The old pool's own timeout is far longer: only sharing the call's timeout keeps reads in time.
const OLD_TIMEOUT = 5000;
// Over a call's timeout by this much is late: generous for a loaded 2-core box, and far below what a
// read waiting on the frozen old pool (OLD_TIMEOUT) would take.
const LATE_MS = 250;

it('readers and writers under load: 0 wrong, 0 stale, 0 rejected, 0 late; old pool frozen midway', async () => {
  const keys = Array.from({ length: 400 }, (_, i) => `load:${i}`);
  const old = new Client({ servers: oldPool.map((s) => s.address) });
  await old.setMulti(keys.map((k) => [k, `old ${k}`] as const));
  const client = new Client({
    servers: newPool.map((s) => s.address),
    timeout: TIMEOUT,
    warmFrom: { servers: oldPool.map((s) => s.address), timeout: OLD_TIMEOUT, failureThreshold: 1000 },
  });
  const state = new Map<string, KeyState>(
    keys.map((k) => [k, { value: `old ${k}`, version: 0, writing: 0 }]),
  );
  const counts = { reads: 0, wrong: 0, stale: 0, late: 0, untouchedReads: 0, untouchedHits: 0 };
  const rejected: Record<string, number> = {};
  let frozen = false;
  const rnd = createPrng(7);

  const timed = async <T>(call: () => Promise<T>): Promise<{ ok: boolean; value?: T }> => {
    const start = performance.now();
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      const code = (err as { code?: string }).code ?? String(err);
      rejected[code] = (rejected[code] ?? 0) + 1;
      return { ok: false };
    } finally {
      if (performance.now() - start > TIMEOUT + LATE_MS) counts.late++;
    }
  };

  let done = false;
  const worker = async () => {
    while (!done) {
      const key = keys[Math.floor(rnd() * keys.length)]!;
      const s = state.get(key)!;
      const dice = rnd();
      if (dice < 0.15) {
        const value = `v${s.version + 1} ${key}`;
        s.writing++;
        const r = await timed(() => client.set(key, value));
        s.writing--;
        if (r.ok) {
          s.version++;
          s.value = value;
        }
      } else if (dice < 0.25) {
        s.writing++;
        const r = await timed(() => client.delete(key));
        s.writing--;
        if (r.ok) {
          s.version++;
          s.value = undefined;
        }
      } else {
        // Judged only when no write of the key ran during the read: then it must see the last one.
        const before = { version: s.version, writing: s.writing, value: s.value };
        const r = await timed(() => client.get(key));
        if (!r.ok || before.writing > 0 || s.writing > 0 || s.version !== before.version) continue;
        counts.reads++;
        const untouched = before.version === 0;
        if (untouched && !frozen) counts.untouchedReads++;
        if (r.value === before.value) {
          if (untouched && !frozen) counts.untouchedHits++;
        } else if (r.value === undefined) {
          // A miss: fine only for a key never written here while the old pool is frozen.
          if (!(untouched && frozen)) counts.wrong++;
        } else if (typeof r.value === 'string' && r.value.endsWith(key)) counts.stale++;
        else counts.wrong++;
      }
    }
  };

  const freezeMidway = async () => {
    await new Promise((r) => setTimeout(r, 400));
    for (const s of oldPool) await freeze(s);
    frozen = true;
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of oldPool) s.kill('SIGCONT');
    // Reads that began while frozen may still be finishing: they are judged as frozen ones.
    await new Promise((r) => setTimeout(r, TIMEOUT + LATE_MS));
    frozen = false;
    await new Promise((r) => setTimeout(r, 500));
    done = true;
  };

  await Promise.all([...Array.from({ length: 32 }, () => worker()), freezeMidway()]);
  const stats = client.warmUpStats()!;
  console.log(
    `warm-up under load: ${JSON.stringify(counts)}, rejected ${JSON.stringify(rejected)}, ` +
      `untouched-key hit ratio ${(counts.untouchedHits / counts.untouchedReads).toFixed(3)}, stats ${JSON.stringify(stats)}`,
  );
  expect(counts.reads).toBeGreaterThan(1000);
  // The freeze happened under load: old-pool reads and deletes failed meanwhile.
  expect(stats.failed).toBeGreaterThan(0);
  expect(stats.blocked).toBeGreaterThan(0);
  expect(counts.wrong).toBe(0);
  expect(counts.stale).toBe(0);
  expect(rejected).toEqual({});
  expect(counts.late).toBe(0);
  // Keys never written here, read while the old pool answers: served from it.
  expect(counts.untouchedHits).toBe(counts.untouchedReads);
  await Promise.all([client.close(), old.close()]);
});
