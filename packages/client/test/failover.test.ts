/**
 * Failover with three real memcached servers: one dies (SIGKILL) or stalls
 * (SIGSTOP) under load; calls fail only for its keys or move, nothing hangs,
 * and it rejoins after deadRetryDelay (flushed first with flushOnReconnect).
 */
import { describe, expect, it } from 'vitest';
import { Client, isPartialFailure, type MemkitError, type PartialFailureError } from '../src/index';
import { freeze } from './helpers/backends';
import { useClusterPerTest } from './helpers/servers';

const servers = useClusterPerTest(3);

const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);

function waitFor(client: Client, event: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    client.once(event, (address: string) => {
      clearTimeout(t);
      resolve(address);
    });
  });
}

describe('failover: rehash', () => {
  it('a killed server costs only its keys, then they move; it rejoins after deadRetryDelay', async () => {
    const timeout = 300;
    const client = new Client({
      servers: servers.map((s) => s.address),
      timeout,
      failureThreshold: 2,
      deadRetryDelay: 1000,
      reconnectDelay: 20,
    });
    try {
      expect(await client.setMulti(keys.map((k) => [k, `v-${k}`] as const))).toEqual([]);
      const victim = servers[1]!;
      const victimKeys = new Set(keys.filter((k) => client.serverFor(k) === victim.address));
      expect(victimKeys.size).toBeGreaterThan(30);
      const dead = waitFor(client, 'server:dead', 5000);
      victim.kill('SIGKILL');
      // A running load: 6 rounds over every key; every call must settle in time.
      const failedKeys = new Set<string>();
      let slowest = 0;
      for (let round = 0; round < 6; round++) {
        await Promise.all(
          keys.map(async (k) => {
            const start = performance.now();
            try {
              const v = await client.get(k);
              if (v !== undefined) expect(v).toBe(`v-${k}`);
            } catch (err) {
              expect(['ERR_CONNECTION_CLOSED', 'ERR_CONNECT', 'ERR_TIMEOUT', 'ERR_SERVER_DEAD']).toContain(
                (err as MemkitError).code,
              );
              failedKeys.add(k);
            }
            slowest = Math.max(slowest, performance.now() - start);
          }),
        );
      }
      expect(await dead).toBe(victim.address);
      for (const k of failedKeys) expect(victimKeys.has(k), `${k} failed but lives elsewhere`).toBe(true);
      // Every call settled by its own timeout (a call cannot fail later than that unless it hung);
      // the margin is for a loaded machine's timer delays, not a performance claim.
      expect(slowest).toBeLessThan(timeout + 5000);
      // While dead, its keys are served by the others (rehash): sets and gets work.
      for (const k of victimKeys) expect(client.serverFor(k)).not.toBe(victim.address);
      expect(await client.set('k0', 'moved')).toBe(true);
      const others = keys.filter((k) => !victimKeys.has(k));
      expect((await client.getMulti(others)).size).toBe(others.length);
      // Comes back: rejoins after deadRetryDelay.
      const alive = waitFor(client, 'server:alive', 5000);
      await victim.restart();
      expect(await alive).toBe(victim.address);
      expect(client.serverFor([...victimKeys][0]!)).toBe(victim.address);
      expect(await client.set('after', 1)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('a stalled server that comes back cannot serve values from before (invalidation by default, or flushOnReconnect); with both off it can', async () => {
    const make = (flushOnReconnect: boolean, invalidationBudget?: number) =>
      new Client({
        servers: servers.map((s) => s.address),
        timeout: 500,
        failureThreshold: 1,
        deadRetryDelay: 1000,
        flushOnReconnect,
        invalidationBudget,
      });
    for (const [flush, budget] of [
      [false, 0],
      [false, undefined],
      [true, 0],
    ] as const) {
      const client = make(flush, budget);
      try {
        await client.flushAll();
        const victim = servers[2]!;
        const key = keys.find((k) => client.serverFor(k) === victim.address)!;
        await client.set(key, 'old');
        const dead = waitFor(client, 'server:dead', 3000);
        await freeze(victim);
        await expect(client.get(key)).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
        await dead;
        await client.set(key, 'new'); // stored on another server meanwhile
        const alive = waitFor(client, 'server:alive', 5000);
        victim.kill('SIGCONT');
        await alive;
        expect(client.serverFor(key)).toBe(victim.address);
        // With neither, the old value resurfaces (python-memcached's caveat).
        expect(await client.get(key)).toBe(flush || budget === undefined ? undefined : 'old');
      } finally {
        await client.close();
      }
    }
  });
});

describe('failover: error', () => {
  it("keys of a dead server fail fast with ERR_SERVER_DEAD; multi-key calls keep the other servers' results", async () => {
    const client = new Client({
      servers: servers.map((s) => s.address),
      timeout: 300,
      failureThreshold: 1,
      deadRetryDelay: 30_000,
      failover: 'error',
    });
    try {
      await client.setMulti(keys.map((k) => [k, k] as const));
      const victim = servers[0]!;
      const victimKeys = keys.filter((k) => client.serverFor(k) === victim.address);
      const dead = waitFor(client, 'server:dead', 3000);
      victim.kill('SIGKILL');
      await client.get(victimKeys[0]!).catch(() => undefined);
      await dead;
      // Fails fast: settled before the event loop reaches any I/O (no network round trip, no timer).
      const outcome = await Promise.race([
        client.get(victimKeys[1]!).then(
          () => 'resolved',
          (e: MemkitError) => e.code,
        ),
        new Promise((resolve) => setImmediate(() => resolve('waited for I/O'))),
      ]);
      expect(outcome).toBe('ERR_SERVER_DEAD');
      // Multi-key calls: the other servers' results, the dead server's keys as its failures.
      const got = await client.getMulti(keys).catch((e: unknown) => e);
      expect(isPartialFailure<Map<string, unknown>>(got)).toBe(true);
      const partial = got as PartialFailureError<Map<string, unknown>>;
      expect(partial.partial.size).toBe(keys.length - victimKeys.length);
      expect(partial.failures.map((f) => [f.server, f.keys, f.error.code])).toEqual([
        [victim.address, victimKeys, 'ERR_SERVER_DEAD'],
      ]);
      const set = await client.setMulti(keys.map((k) => [k, 'x'] as const)).catch((e: unknown) => e);
      expect((set as PartialFailureError<string[]>).partial).toEqual([]);
      expect((set as PartialFailureError<string[]>).failures.map((f) => f.keys)).toEqual([victimKeys]);
    } finally {
      await client.close();
    }
  });
});
