/**
 * Helpers of the near-cache tests: a clock the test moves in place of the
 * cache's `performance.now()`, the near cache's counters, and the meta gets
 * a client actually sent (through a recording proxy).
 */
import type { Client, NearCacheStats } from '../../src/index';
import type { Clock } from '../../src/near-cache/near-cache';

export interface TestClock {
  t: number;
  advance(ms: number): void;
}

/** Makes `client`'s near cache read the returned clock (which starts at 1e6 ms and moves only when told). */
export function driveClock(client: Client): TestClock {
  const clock: TestClock = {
    t: 1e6,
    advance(ms) {
      clock.t += ms;
    },
  };
  const near = (client as unknown as { ctx: { near: { now: Clock } | undefined } }).ctx.near;
  if (!near) throw new Error('the client has no near cache');
  near.now = () => clock.t;
  return clock;
}

export function stats(client: Client): NearCacheStats {
  const s = client.nearCacheStats();
  if (!s) throw new Error('the client has no near cache');
  return s;
}

/** The `mg` lines for `key` in `sent` (what went through a recording proxy), without their opaque. */
export function metaGets(sent: string, key: string): string[] {
  return sent
    .split('\r\n')
    .filter((l) => l.startsWith(`mg ${key} `))
    .map((l) => l.replace(/ O\S+/, ''));
}

/** `mg <key> c t`: a revalidation (CAS and TTL only, no value). */
export const REVALIDATION = (key: string) => `mg ${key} c t`;
/** `mg <key> v f c t h l`: a fetch the admission rule can judge. */
export const FETCH = (key: string) => `mg ${key} v f c t h l`;

/**
 * Reads `key` through `client` until its near cache holds it (memcached
 * reports `h1` from the second read of a version on): returns once a read
 * was admitted or answered from the near cache.
 */
export async function warm(client: Client, key: string | Uint8Array): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const before = stats(client);
    await client.get(key);
    const after = stats(client);
    if (after.admitted > before.admitted || after.hits > before.hits) return;
  }
  throw new Error(`${String(key)} was not admitted in three reads`);
}

/** Lets pending replies and promise callbacks run. */
export function settle(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
