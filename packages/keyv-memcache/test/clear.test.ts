/**
 * clear(): only this namespace, in O(1) requests, never flush_all, seen at
 * once by other processes, and safe when the generation counter is evicted.
 */
import { Client } from '@memkit/client';
import { rawCommand, rawStoreAccess } from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, countCommands, serverCounters, startBackend } from './helpers';

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

describe.each([
  { name: 'Keyv 5', Keyv: Keyv5 as unknown as typeof Keyv6 },
  { name: 'Keyv 6', Keyv: Keyv6 },
])('clear() with $name', ({ name, Keyv }) => {
  it('clears namespace A in one request, leaving namespace B and unrelated keys intact', async () => {
    const tag = name.replace(' ', '');
    const a = new Keyv({ store: new KeyvMemkit(backend.client), namespace: `a${tag}` });
    const b = new Keyv({ store: new KeyvMemkit(backend.client), namespace: `b${tag}` });
    const raw = rawStoreAccess(backend.memcached);
    await raw.set(`unrelated-${tag}`, 'other app');
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    await a.setMany(keys.map((key) => ({ key, value: `a-${key}` })));
    await b.setMany(keys.slice(0, 10).map((key) => ({ key, value: `b-${key}` })));
    await a.get('k0'); // warm the generation cache, as any running app has

    const before = await serverCounters(backend.memcached);
    const commands = await countCommands(() => a.clear());
    const after = await serverCounters(backend.memcached);

    expect(commands).toEqual(['incr']);
    expect(after.flush - before.flush).toBe(0);
    expect(after.incr - before.incr).toBe(1);
    // rawStats itself is not a storage command: nothing else reached the server.
    expect([after.get - before.get, after.set - before.set, after.delete - before.delete]).toEqual([0, 0, 0]);

    expect(await a.getMany(keys)).toEqual(keys.map(() => undefined));
    expect(await b.getMany(keys.slice(0, 10))).toEqual(keys.slice(0, 10).map((k) => `b-${k}`));
    expect((await raw.get(`unrelated-${tag}`))?.toString()).toBe('other app');

    // The namespace keeps working after the clear.
    await a.set('k1', 'again');
    expect(await a.get('k1')).toBe('again');
  });
});

describe('generations across processes', () => {
  it('a clear() through another client is seen at once, with no staleness window', async () => {
    const other = new Client({ servers: [backend.memcached.address] });
    const mine = new Keyv6({ store: new KeyvMemkit(backend.client), namespace: 'shared' });
    const theirs = new Keyv6({ store: new KeyvMemkit(other), namespace: 'shared' });
    await mine.set('x', 1);
    expect(await theirs.get('x')).toBe(1);
    await theirs.clear();
    expect(await mine.get('x')).toBeUndefined();

    // A write right after someone else's clear lands in the new generation, visible to both.
    await mine.set('y', 2);
    expect(await theirs.get('y')).toBe(2);
    expect(await mine.get('y')).toBe(2);
    await theirs.clear();
    await mine.delete('y'); // runs against the stale generation first, then the new one
    await mine.setMany([{ key: 'z', value: 3 }]);
    expect(await theirs.get('z')).toBe(3);
    await other.close();
  });

  it('an evicted generation counter starts a fresh generation: misses, never older data', async () => {
    const store = new KeyvMemkit(backend.client, { namespace: 'evict' });
    const keyv = new Keyv6({ store });
    await keyv.set('k', 'v1');
    const first = await store.physicalKey('k');
    await keyv.clear();
    await keyv.set('k', 'v2');
    const second = await store.physicalKey('k');
    // Both generations' items are still physically in memcached.
    expect(await rawStoreAccess(backend.memcached).get(first)).toBeDefined();
    expect(await rawStoreAccess(backend.memcached).get(second)).toBeDefined();

    expect(await rawCommand(backend.memcached, 'delete evict:__gen\r\n')).toBe('DELETED\r\n');
    expect(await keyv.get('k')).toBeUndefined();
    const third = await store.physicalKey('k');
    expect(new Set([first, second, third]).size).toBe(3);
    await keyv.set('k', 'v3');
    expect(await keyv.get('k')).toBe('v3');
  });

  it('a counter re-created in the same millisecond never brings an older generation back', async () => {
    // The clock stands still: the counter is evicted and re-created "at the same time" as before,
    // after clears moved it past its start. No earlier generation may come back with its data.
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
    try {
      const store = new KeyvMemkit(backend.client, { namespace: 'collide', keyvVersion: 6 });
      const used = new Set<string>();
      for (let round = 0; round < 3; round++) {
        await store.set('k', `v${round}`);
        used.add(await store.physicalKey('k'));
        await store.clear();
      }
      await store.set('k', 'before eviction');
      used.add(await store.physicalKey('k'));
      for (let evictions = 0; evictions < 5; evictions++) {
        expect(await rawCommand(backend.memcached, 'delete collide:__gen\r\n')).toBe('DELETED\r\n');
        expect(await store.get('k')).toBeUndefined();
        const fresh = await store.physicalKey('k');
        expect(used.has(fresh), `generation ${fresh} was used before`).toBe(false);
        used.add(fresh);
        await store.set('k', `after eviction ${evictions}`);
      }
    } finally {
      now.mockRestore();
    }
  });

  it('clear() of a namespace that was never used creates its counter', async () => {
    const store = new KeyvMemkit(backend.client, { namespace: 'fresh' });
    await store.clear();
    const reply = await rawCommand(backend.memcached, 'get fresh:__gen\r\n');
    expect(reply).toMatch(/^VALUE fresh:__gen 2 \d+\r\n\d+\r\nEND\r\n$/);
  });

  it('a counter holding garbage fails loudly with ERR_UNSERIALIZABLE', async () => {
    await rawStoreAccess(backend.memcached).set('garbage:__gen', 'not a number');
    const store = new KeyvMemkit(backend.client, { namespace: 'garbage' });
    await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
  });
});
