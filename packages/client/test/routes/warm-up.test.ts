/**
 * The warm-up route against real memcached: an old pool with data, a new
 * empty pool behind `warmFrom`. Hit ratio from the first reads, remaining
 * TTL carried over (read on the server's own clock), the old pool's
 * failures as misses, and no value ever coming back after a delete.
 */
import {
  connectRaw,
  createPrng,
  type MemcachedInstance,
  rawCommand,
  readReplies,
  startMemcachedCluster,
  stopAll,
  waitServerSeconds,
} from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { freeze, resetServers } from '../helpers/backends';
import { useClients } from '../helpers/clients';
import { waitUntil } from '../helpers/wait';

let oldPool: MemcachedInstance[];
let newPool: MemcachedInstance[];

beforeAll(async () => {
  [oldPool, newPool] = await Promise.all([startMemcachedCluster(2), startMemcachedCluster(2)]);
});
afterAll(async () => {
  await stopAll([...oldPool, ...newPool]);
});
beforeEach(() => resetServers([...oldPool, ...newPool]));
const client = useClients();

const addrs = (pool: MemcachedInstance[]) => pool.map((s) => s.address);

/** The instance of `pool` that `c` sends `key` to. */
function holder(c: Client, pool: MemcachedInstance[], key: string): MemcachedInstance {
  return pool.find((s) => s.address === c.serverFor(key))!;
}

/** The remaining TTL memcached reports for `key` on `server` (`mg <key> t`), undefined on a miss. */
async function remainingTtl(server: MemcachedInstance, key: string): Promise<number | undefined> {
  const reply = await rawCommand(server, `mg ${key} t\r\n`);
  if (reply.startsWith('EN')) return undefined;
  const m = /^HD .*\bt(-?\d+)/.exec(reply);
  if (!m) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  return Number(m[1]);
}

async function rawHas(server: MemcachedInstance, key: string): Promise<boolean> {
  return (await rawCommand(server, `mg ${key} v\r\n`)).startsWith('VA');
}

describe('warmFrom: hit ratio', () => {
  it('a new empty pool serves the old pool hit ratio from its first 1000 reads', async () => {
    const old = client({ servers: addrs(oldPool) });
    const space = Array.from({ length: 3000 }, (_, i) => `hr:${i}`);
    const stored = space.filter((_, i) => i % 5 !== 0); // 80% of the key space is cached
    expect(
      await old.setMulti(
        stored.map((k) => [k, `value of ${k}`] as const),
        { ttl: 600 },
      ),
    ).toEqual([]);

    const rnd = createPrng(20);
    const sample = () => Array.from({ length: 1000 }, () => space[Math.floor(rnd() * space.length)]!);
    const ratio = async (c: Client, keys: string[]) => {
      let hits = 0;
      for (let i = 0; i < keys.length; i += 50) {
        const got = await Promise.all(keys.slice(i, i + 50).map((k) => c.get(k)));
        got.forEach((v, j) => {
          if (v !== undefined) {
            expect(v).toBe(`value of ${keys[i + j]}`);
            hits++;
          }
        });
      }
      return hits / keys.length;
    };
    const oldRatio = await ratio(old, sample());

    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    const newRatio = await ratio(fresh, sample());
    console.log(
      `hit ratio: old pool ${oldRatio.toFixed(3)}, new pool's first 1000 reads ${newRatio.toFixed(3)}`,
    );
    expect(Math.abs(newRatio - oldRatio)).toBeLessThanOrEqual(0.05);
    expect(newRatio).toBeGreaterThan(0.7);

    // What was read is now in the new pool itself: a client without warmFrom finds it there.
    const plain = client({ servers: addrs(newPool) });
    const stats = fresh.warmUpStats()!;
    expect(stats.added).toBeGreaterThan(600);
    const warmed = stored.filter((k) => k.endsWith('7')).slice(0, 200);
    await fresh.getMulti(warmed);
    const there = await plain.getMulti(warmed);
    expect(there.size).toBe(warmed.length);
  });
});

describe('warmFrom: remaining TTL', () => {
  it('carries the remaining TTL of a meta server over, measured on the servers own clocks', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: old });
    await old.set('ttl:short', 'a', { ttl: 8 });
    await old.set('ttl:none', 'b');
    await waitServerSeconds(holder(old, oldPool, 'ttl:short'), 3);
    expect(await fresh.get('ttl:short')).toBe('a');
    expect(await fresh.get('ttl:none')).toBe('b');
    const target = holder(fresh, newPool, 'ttl:short');
    // Old remaining: 8 - 3 = 5 (give or take the one-second ticks of two clocks).
    const left = await remainingTtl(target, 'ttl:short');
    expect(left).toBeGreaterThanOrEqual(3);
    expect(left).toBeLessThanOrEqual(6);
    expect(await remainingTtl(holder(fresh, newPool, 'ttl:none'), 'ttl:none')).toBe(-1);
    // It expires here when it would have there.
    await waitServerSeconds(target, left! + 1);
    expect(await rawHas(target, 'ttl:short')).toBe(false);
    // A given client is used, never closed by the route.
    await fresh.close();
    expect(await old.get('ttl:none')).toBe('b');
  });

  it('from a text-protocol old pool, stores with warmTtl (the remaining TTL is unknown there)', async () => {
    const old = client({ servers: addrs(oldPool), protocol: 'text' });
    const fresh = client({ servers: addrs(newPool), warmFrom: old, warmTtl: 40 });
    await old.set('text:k', 'v', { ttl: 3000 });
    expect(await fresh.get('text:k')).toBe('v');
    const left = await remainingTtl(holder(fresh, newPool, 'text:k'), 'text:k');
    expect(left).toBeGreaterThanOrEqual(38);
    expect(left).toBeLessThanOrEqual(40);
  });

  it('getOrSet takes the old value before its loader, with the remaining TTL', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    await old.set('gos:k', { n: 1 }, { ttl: 100 });
    let loads = 0;
    const loader = () => {
      loads++;
      return { n: 2 };
    };
    expect(await fresh.getOrSet('gos:k', loader, { ttl: 5 })).toEqual({ n: 1 });
    expect(loads).toBe(0);
    const left = await remainingTtl(holder(fresh, newPool, 'gos:k'), 'gos:k');
    expect(left).toBeGreaterThan(90);
    expect(await fresh.getOrSet('gos:missing', loader, { ttl: 5 })).toEqual({ n: 2 });
    expect(loads).toBe(1);
  });
});

describe('warmFrom: reads of several keys and CAS', () => {
  it('getMulti warms the keys it missed; getsMulti and gets return the new pool CAS', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: old });
    const keys = Array.from({ length: 40 }, (_, i) => `m:${i}`);
    await old.setMulti(
      keys.map((k) => [k, k] as const),
      { ttl: 100 },
    );
    await fresh.set('m:0', 'new');
    const got = await fresh.getMulti([...keys, 'm:absent']);
    expect(got.size).toBe(40);
    expect(got.get('m:0')).toBe('new');
    expect(got.get('m:1')).toBe('m:1');
    expect(fresh.warmUpStats()).toMatchObject({ lookups: 40, hits: 39 });

    await old.set('m:cas', 'c1');
    await old.setMulti([['m:cas2', 'c2']]);
    const g = await fresh.gets<string>('m:cas');
    expect(g?.value).toBe('c1');
    expect(await fresh.cas('m:cas', 'c1b', g!.cas)).toBe(true);
    const gm = await fresh.getsMulti<string>(['m:cas2']);
    expect(await fresh.cas('m:cas2', 'c2b', gm.get('m:cas2')!.cas)).toBe(true);
    expect(await fresh.getMulti(['m:cas', 'm:cas2'])).toEqual(
      new Map([
        ['m:cas', 'c1b'],
        ['m:cas2', 'c2b'],
      ]),
    );
  });
});

describe('warmFrom: the old pool failing', () => {
  it('a dead old pool is a miss, never an error', async () => {
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool), timeout: 300 });
    for (const s of oldPool) s.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const keys = Array.from({ length: 30 }, (_, i) => `down:${i}`);
    for (const k of keys) expect(await fresh.get(k)).toBeUndefined();
    expect((await fresh.getMulti(keys)).size).toBe(0);
    expect(await fresh.gets('down:x')).toBeUndefined();
    expect(await fresh.getOrSet('down:y', () => 'loaded')).toBe('loaded');
    expect(await fresh.set('down:z', 'z')).toBe(true);
    expect(await fresh.get('down:z')).toBe('z');
    expect(fresh.warmUpStats()!.failed).toBeGreaterThan(0);
  });

  it('a frozen old pool is a miss after its timeout, never an error', async () => {
    const old = client({ servers: addrs(oldPool) });
    await old.set('frozen:k', 'v');
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool), timeout: 300 });
    for (const s of oldPool) await freeze(s);
    const reads = await Promise.allSettled(Array.from({ length: 20 }, () => fresh.get('frozen:k')));
    expect(reads.every((r) => r.status === 'fulfilled' && r.value === undefined)).toBe(true);
  });
});

describe('warmFrom: no stale value comes back', () => {
  it('delete, then read: the old value is not brought back (read first or not)', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    await old.setMulti([
      ['del:a', 'v1'],
      ['del:b', 'v1'],
    ]);
    // Never read through the new pool: the delete must reach the old pool too.
    await fresh.delete('del:a');
    expect(await fresh.get('del:a')).toBeUndefined();
    expect(await fresh.getMulti(['del:a'])).toEqual(new Map());
    // Warmed first, then deleted.
    expect(await fresh.get('del:b')).toBe('v1');
    expect(await fresh.delete('del:b')).toBe(true);
    expect(await fresh.get('del:b')).toBeUndefined();
    expect(await fresh.getOrSet('del:b', () => 'fresh')).toBe('fresh');
    // Another process with warm-up from the same old pool does not bring it back either.
    const other = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    await other.delete('del:b');
    expect(await other.get('del:b')).toBeUndefined();
    expect(await other.get('del:a')).toBeUndefined();
  });

  it('a value written here and expired here does not come back from the old pool', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: old });
    await old.set('exp:k', 'v1', { ttl: 1000 });
    await old.setMulti([['exp:m', 'v1']], { ttl: 1000 });
    expect(await fresh.set('exp:k', 'v2', { ttl: 1 })).toBe(true);
    expect(await fresh.setMulti([['exp:m', 'v2']], { ttl: 1 })).toEqual([]);
    await waitServerSeconds(holder(fresh, newPool, 'exp:k'), 2);
    await waitServerSeconds(holder(fresh, newPool, 'exp:m'), 2);
    expect(await fresh.get('exp:k')).toBeUndefined();
    expect(await fresh.get('exp:m')).toBeUndefined();
  });

  it('a delete the old pool missed (frozen) keeps that key from being read there again', async () => {
    const old = client({ servers: addrs(oldPool) });
    // Never marked dead there: once thawed, the old pool is read again.
    const warmFrom = { servers: addrs(oldPool), failureThreshold: 1000 };
    const fresh = client({ servers: addrs(newPool), warmFrom, timeout: 300 });
    const keys = Array.from({ length: 20 }, (_, i) => `miss:${i}`);
    await old.setMulti(keys.map((k) => [k, 'v1'] as const));
    for (const s of oldPool) await freeze(s);
    await Promise.all(keys.slice(0, 10).map((k) => fresh.delete(k)));
    await fresh.deleteMulti(keys.slice(10));
    // The deletes fail there (each within its 300 ms timeout).
    for (let i = 0; i < 200 && fresh.warmUpStats()!.blocked < keys.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(fresh.warmUpStats()!.blocked).toBe(keys.length);
    for (const s of oldPool) s.kill('SIGCONT');
    // Whatever memcached makes of the bytes it had buffered, the old pool holds v1 again, as if
    // the deletes had never arrived…
    expect(await old.setMulti(keys.map((k) => [k, 'v1'] as const))).toEqual([]);
    // …and it is not brought back.
    for (const k of keys) expect(await fresh.get(k)).toBeUndefined();
    expect((await fresh.getMulti(keys)).size).toBe(0);
    // The old pool is read again for other keys.
    await old.set('miss:other', 'o');
    expect(await fresh.get('miss:other')).toBe('o');
  });

  it('a delete that overtakes a read of the old pool: the read does not store the old value', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool), timeout: 10_000 });
    const keys = Array.from({ length: 100 }, (_, i) => `race:${i}`);
    await old.setMulti(keys.map((k) => [k, 'v1'] as const));
    // Hold the old pool's answers until the deletes have gone out.
    for (const s of oldPool) await freeze(s);
    const reads = keys.map((k) => fresh.get(k));
    for (let i = 0; i < 200 && fresh.warmUpStats()!.lookups < keys.length; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fresh.warmUpStats()!.lookups).toBe(keys.length);
    await Promise.all(keys.map((k) => fresh.delete(k)));
    for (const s of oldPool) s.kill('SIGCONT');
    // The reads were concurrent with the deletes: either answer is theirs to give.
    for (const v of await Promise.all(reads)) expect([undefined, 'v1']).toContain(v);
    const plain = client({ servers: addrs(newPool) });
    expect((await plain.getMulti(keys)).size).toBe(0);
    expect((await fresh.getMulti(keys)).size).toBe(0);
  });
});

describe('warmFrom: bad input', () => {
  it('a call with bad input rejects with its own error', async () => {
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    await expect(fresh.get(42 as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(fresh.set('a key', 1)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(fresh.setMulti(7 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(fresh.deleteMulti([1] as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(fresh.getOrSet(5 as never, () => 1)).rejects.toBeInstanceOf(Error);
    expect(fresh.warmUpStats()).toMatchObject({ lookups: 0, invalidated: 0 });
  });
});

describe('warmFrom: views and closing', () => {
  it('a withKeyOptions view warms with its own prefix from an old pool it built', async () => {
    const old = client({ servers: addrs(oldPool) });
    const fresh = client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    await old.set('tenant:k', 'scoped');
    const view = fresh.withKeyOptions({ keyPrefix: 'tenant:' });
    expect(await view.get('k')).toBe('scoped');
    expect(await view.getMulti(['k'])).toEqual(new Map([['k', 'scoped']]));
    await view.delete('k');
    expect(await old.get('tenant:k')).toBeUndefined();
  });

  it('closing the client closes the old-pool client it built; a closed client deletes nothing there', async () => {
    const old = client({ servers: addrs(oldPool) });
    await old.set('close:k', 'v');
    // Read from memcached's own list (each accepted connection has a listen_addr), not
    // curr_connections, which memcached can leave one too high after a connection closed while it
    // was stopped (earlier tests freeze these servers). One connection asks every time: a fresh
    // one per question would stay listed until memcached notices it closed, which on a loaded
    // machine can lag behind the next question.
    const probe = await connectRaw(oldPool[0]!);
    /** The client addresses of the connections memcached lists (the accepted ones). */
    const connections = async (): Promise<Set<string>> => {
      const reply = readReplies(probe, 1, 10_000);
      probe.write('stats conns\r\n');
      const list = await reply;
      if (!list.endsWith('END\r\n')) throw new Error(`memcached did not answer stats conns: ${list}`);
      const accepted = new Set([...list.matchAll(/^STAT (\d+):listen_addr /gm)].map((m) => m[1]));
      const out = new Set<string>();
      for (const m of list.matchAll(/^STAT (\d+):addr (\S+)/gm)) if (accepted.has(m[1])) out.add(m[2]!);
      return out;
    };
    // Connections made after this snapshot are the new clients'; ones in it may still go (a
    // closing connection from an earlier test), which changes nothing here.
    const before = await connections();
    const added = async () => [...(await connections())].filter((a) => !before.has(a));
    const fresh = new Client({ servers: addrs(newPool), warmFrom: addrs(oldPool) });
    const given = new Client({ servers: addrs(newPool), warmFrom: old });
    await fresh.get('close:k');
    await fresh.getMulti(Array.from({ length: 20 }, (_, i) => `close:${i}`));
    expect((await added()).length).toBeGreaterThan(0);
    await fresh.close();
    await waitUntil(async () => (await added()).length === 0, 'the old-pool client to close').catch(
      () => undefined,
    );
    expect(await added()).toEqual([]);
    await given.close();
    await expect(given.set('close:k', 'x')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(await old.get('close:k')).toBe('v');
    probe.destroy();
  });
});
