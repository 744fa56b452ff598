/**
 * The shadow route against real memcached: the share of keys mirrored, the
 * same keys every time, reads compared, and a frozen or dead shadow pool
 * never reaching the caller (calls settle and succeed; mirrored calls are
 * bounded and the drops counted).
 */
import { type MemcachedInstance, rawCommand, rawStats, startMemcached, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client, ShadowStats } from '../../src/index';
import { freeze, resetServers } from '../helpers/backends';
import { useClients } from '../helpers/clients';

let primary: MemcachedInstance;
let shadowServer: MemcachedInstance;

beforeAll(async () => {
  [primary, shadowServer] = await Promise.all([startMemcached(), startMemcached()]);
});
afterAll(async () => {
  await stopAll([primary, shadowServer]);
});
beforeEach(() => resetServers([primary, shadowServer]));
const client = useClients();

/** Waits until no mirrored call is in flight any more. */
async function settled(c: Client): Promise<ShadowStats> {
  // At least one turn of the event loop: a comparison runs just after its mirrored call ended.
  do await new Promise((r) => setTimeout(r, 25));
  while (c.shadowStats()!.inFlight > 0);
  const stats = c.shadowStats()!;
  expect(stats.inFlight).toBe(0);
  return stats;
}

const keys = Array.from({ length: 4000 }, (_, i) => `sh:${i}`);

describe('shadow: which keys', () => {
  it('mirrors the fraction of keys asked for, the same keys in every client', async () => {
    // A queue for every call at once: nothing is dropped here.
    const shadow = { servers: [shadowServer.address], fraction: 0.25, maxQueue: 100_000 };
    const c = client({ servers: [primary.address], shadow });
    const plainShadow = client({ servers: [shadowServer.address] });
    await Promise.all(keys.map((k) => c.set(k, k)));
    const stats = await settled(c);
    const mirrored = [...(await plainShadow.getMulti(keys)).keys()];
    console.log(`shadow fraction 0.25 over ${keys.length} keys: ${mirrored.length} mirrored`);
    // Binomial(4000, 0.25): mean 1000, standard deviation 27; ±150 is more than 5 of them.
    expect(mirrored.length).toBeGreaterThan(850);
    expect(mirrored.length).toBeLessThan(1150);
    expect(stats).toMatchObject({ mirrored: mirrored.length, dropped: 0, failed: 0 });
    expect(Number((await rawStats(shadowServer)).curr_items)).toBe(mirrored.length);

    // Another client (another process) shadows exactly the same keys.
    await rawCommand(shadowServer, 'flush_all\r\n');
    const other = client({ servers: [primary.address], shadow });
    await Promise.all(keys.map((k) => other.delete(k)));
    await Promise.all(keys.map((k) => other.add(k, k)));
    await settled(other);
    expect([...(await plainShadow.getMulti(keys)).keys()]).toEqual(mirrored);
  });

  it('fraction 0 mirrors nothing, fraction 1 everything', async () => {
    const none = client({
      servers: [primary.address],
      shadow: { servers: [shadowServer.address], fraction: 0 },
    });
    const all = client({
      servers: [primary.address],
      shadow: { servers: [shadowServer.address], fraction: 1 },
    });
    await Promise.all(keys.slice(0, 500).map((k) => none.set(k, 1)));
    expect(none.shadowStats()!.mirrored).toBe(0);
    await all.setMulti(keys.slice(0, 500).map((k) => [k, 2] as const));
    await settled(all);
    expect(Number((await rawStats(shadowServer)).curr_items)).toBe(500);
  });
});

describe('shadow: bad input', () => {
  it('a call with bad input rejects with its own error, the shadow route adds none', async () => {
    const c = client({
      servers: [primary.address],
      shadow: { servers: [shadowServer.address], fraction: 1 },
    });
    await expect(c.get(42 as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(c.set(null as never, 1)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(c.getMulti('k' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(c.get('k', null as never)).resolves.toBeUndefined();
    expect(c.shadowStats()!.mirrored).toBe(1);
  });
});

describe('shadow: reads compared', () => {
  it('counts the reads the shadow pool answered differently', async () => {
    const c = client({
      servers: [primary.address],
      shadow: { servers: [shadowServer.address], fraction: 0.5 },
    });
    const plainShadow = client({ servers: [shadowServer.address] });
    const some = keys.slice(0, 1000);
    await Promise.all(some.map((k) => c.set(k, { k })));
    await settled(c);
    const onShadow = [...(await plainShadow.getMulti(some)).keys()];
    // The shadow pool is changed behind the client's back for 40 of its keys.
    const changed = onShadow.slice(0, 40);
    await plainShadow.setMulti(changed.map((k) => [k, 'other'] as const));
    for (const k of some) await c.get(k);
    let stats = await settled(c);
    expect(stats.compared).toBe(onShadow.length);
    expect(stats.mismatched).toBe(40);
    expect(stats.matched).toBe(onShadow.length - 40);
    // getMulti compares per key; gets compares values (CAS uniques differ by nature).
    await c.getMulti(some);
    await c.gets(onShadow[100]!);
    stats = await settled(c);
    expect(stats.compared).toBe(2 * onShadow.length + 1);
    expect(stats.mismatched).toBe(80);
    // getOrSet: the shadow gets the value the caller got.
    const fresh = keys.slice(1000, 1400);
    await Promise.all(fresh.map((k) => c.getOrSet(k, () => `loaded ${k}`)));
    await settled(c);
    const mirrored = await plainShadow.getMulti(fresh);
    expect(mirrored.size).toBeGreaterThan(100);
    for (const [k, v] of mirrored) expect(v).toBe(`loaded ${k}`);
  });
});

describe('shadow: failures and stalls never reach the caller', () => {
  it('a frozen shadow pool: every call settles and succeeds; mirrored calls are bounded, drops counted', async () => {
    // Timeouts longer than the test: a caller that waited on the shadow would never finish.
    const c = client({
      servers: [primary.address],
      timeout: 60_000,
      shadow: { servers: [shadowServer.address], fraction: 1, maxQueue: 50 },
    });
    await c.set('warm', 1);
    await settled(c);
    await freeze(shadowServer);
    const calls = 600;
    const results = await Promise.allSettled(
      Array.from({ length: calls }, (_, i) =>
        i % 2 ? c.set(`fz:${i}`, i) : c.get(`fz:${i - 0}`).then(() => true),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value === true)).toBe(true);
    const stats = c.shadowStats()!;
    console.log(`frozen shadow: ${JSON.stringify(stats)}`);
    expect(stats.inFlight).toBeLessThanOrEqual(50);
    expect(stats.mirrored).toBeLessThanOrEqual(51);
    expect(stats.dropped).toBe(1 + calls - stats.mirrored);
    expect(stats.dropped).toBeGreaterThanOrEqual(calls - 50);
    // The primary really has what was written.
    expect(await c.get('fz:1')).toBe(1);
  });

  it('a dead shadow pool: calls succeed, the failures are counted', async () => {
    const c = client({
      servers: [primary.address],
      timeout: 500,
      shadow: { servers: [shadowServer.address], fraction: 1 },
    });
    shadowServer.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 200; i++) {
      expect(await c.set(`dead:${i}`, i)).toBe(true);
      expect(await c.get(`dead:${i}`)).toBe(i);
    }
    expect(await c.getMulti(['dead:1', 'dead:2'])).toEqual(
      new Map([
        ['dead:1', 1],
        ['dead:2', 2],
      ]),
    );
    const stats = await settled(c);
    expect(stats.mirrored).toBe(401);
    expect(stats.failed).toBeGreaterThanOrEqual(200);
    // A read the shadow client answered itself (a miss: its server is dead and the key's write
    // there failed) is compared, and counted as a mismatch: never a match.
    expect(stats.matched).toBe(0);
  });
});
