/**
 * The near cache's promise across processes, against a real memcached with
 * two clients: client A reads through a near cache, client B (another
 * process, as far as A can tell) writes. A write through B is seen by A at
 * most maxAge later, and every value A returns was still the newest written
 * one at some instant less than maxAge before the read began. Margins are
 * in seconds: the bound itself needs none (entries are stamped when their
 * request was sent), only the test's own scheduling does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { type Backend, startReal } from './helpers/backends';
import { stats, warm } from './helpers/near';

describe('near cache across two clients (real memcached)', () => {
  let server: Backend;
  let b: Client;

  beforeAll(async () => {
    server = await startReal();
    b = new Client({ servers: [server.address] });
  });
  afterAll(async () => {
    await b.close();
    await server.stop();
  });

  it("a write through client B is seen by client A's near cache at most maxAge later", async () => {
    const maxAge = 1500;
    const a = new Client({ servers: [server.address], nearCache: { maxAge } });
    try {
      await b.set('shared', 'v1');
      await warm(a, 'shared');
      await b.set('shared', 'v2');
      const written = performance.now();
      const seen: string[] = [];
      let firstNew: number | undefined;
      while (firstNew === undefined && performance.now() - written < maxAge + 3000) {
        const value = await a.get<string>('shared');
        seen.push(value!);
        if (value === 'v2') firstNew = performance.now();
        else await new Promise((r) => setTimeout(r, 25));
      }
      // The near cache was in use: right after B's write, A still answered from its entry…
      expect(seen[0]).toBe('v1');
      // …and A saw the write no later than maxAge after it (plus scheduling slack).
      expect(firstNew).toBeDefined();
      expect(firstNew! - written).toBeLessThan(maxAge + 1000);
    } finally {
      await a.close();
    }
  });

  it('every value A returns was the newest written less than maxAge before the read began', async () => {
    const maxAge = 300;
    const a = new Client({ servers: [server.address], nearCache: { maxAge } });
    const keys = ['s0', 's1', 's2'];
    // ackedAt[k][v]: when B's set of version v of key k resolved (Infinity while in flight).
    const ackedAt = keys.map(() => [0]);
    const reads: Array<{ k: number; v: number; started: number }> = [];
    try {
      for (const key of keys) await b.set(key, `${key}.0`);
      const until = performance.now() + 2500;
      const writer = async () => {
        for (let i = 0; performance.now() < until; i++) {
          const k = i % keys.length;
          const v = ackedAt[k]!.length;
          ackedAt[k]!.push(Number.POSITIVE_INFINITY);
          await b.set(keys[k]!, `${keys[k]}.${v}`);
          ackedAt[k]![v] = performance.now();
          await new Promise((r) => setTimeout(r, 15));
        }
      };
      const reader = async () => {
        for (let i = 0; performance.now() < until; i++) {
          const k = i % keys.length;
          const started = performance.now();
          const value = await a.get<string>(keys[k]!);
          reads.push({ k, v: Number(value!.split('.')[1]), started });
          if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
        }
      };
      await Promise.all([writer(), ...Array.from({ length: 8 }, reader)]);

      let stalest = 0;
      const wrong: string[] = [];
      for (const { k, v, started } of reads) {
        if (!(v >= 0 && v < ackedAt[k]!.length)) wrong.push(`${keys[k]}: version ${v} was never written`);
        const replaced = ackedAt[k]![v + 1];
        if (replaced === undefined || replaced === Number.POSITIVE_INFINITY) continue;
        // Stale by `started - replaced`: never maxAge or more (no slack: the stamp is the send time).
        stalest = Math.max(stalest, started - replaced);
        if (started - replaced >= maxAge) {
          wrong.push(
            `${keys[k]} version ${v}: replaced ${(started - replaced).toFixed(1)} ms before the read`,
          );
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      const s = stats(a);
      // The test exercised the cache: most reads were answered locally, some with a replaced value.
      expect(s.hits).toBeGreaterThan(reads.length / 2);
      expect(stalest).toBeGreaterThan(0);
    } finally {
      await a.close();
    }
  });
});
