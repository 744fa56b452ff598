/**
 * cache-manager 7 end to end: `createCache({ stores: [new Keyv({ store })] })`
 * on a real memcached. cache-manager 7 is built on Keyv 5 (it reads entries
 * with `get(key, { raw: true })`, which Keyv 6 removed), so it runs with Keyv 5.
 */
import { rawStoreAccess } from '@memkit/testing';
import { createCache } from 'cache-manager';
import Keyv from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, startBackend } from './helpers';

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

function makeCache(namespace: string) {
  const store = new KeyvMemkit(backend.client);
  const keyv = new Keyv({ store, namespace });
  return { store, cache: createCache({ stores: [keyv as never] }) };
}

describe('cache-manager 7 on @memkit/keyv', () => {
  it('set/get/ttl/del write through to memcached', async () => {
    const { store, cache } = makeCache('cm');
    await cache.set('user:1', { name: 'Ada' }, 60_000);
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    const expires = await cache.ttl('user:1');
    expect(expires).toBeGreaterThan(Date.now() + 50_000);
    const physical = await store.physicalKey('cm:user:1');
    const ttl = await rawStoreAccess(backend.memcached).ttl(physical);
    expect(ttl).toBeGreaterThanOrEqual(59); // one clock tick may pass between set and read
    expect(ttl).toBeLessThanOrEqual(60);
    await cache.del('user:1');
    expect(await cache.get('user:1')).toBeUndefined();
    expect(await rawStoreAccess(backend.memcached).get(physical)).toBeUndefined();
  });

  it('mset/mget/mdel', async () => {
    const { cache } = makeCache('cm-multi');
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 30_000 },
    ]);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    await cache.mdel(['a', 'b']);
    expect(await cache.mget(['a', 'b'])).toEqual([undefined, undefined]);
  });

  it('wrap runs the loader once for concurrent callers and serves hits afterwards', async () => {
    const { cache } = makeCache('cm-wrap');
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return { computed: calls };
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('hot', loader, 60_000)));
    expect(results).toEqual(Array.from({ length: 10 }, () => ({ computed: 1 })));
    expect(await cache.wrap('hot', loader, 60_000)).toEqual({ computed: 1 });
    expect(calls).toBe(1);
  });

  it('clear() empties only its own namespace', async () => {
    const one = makeCache('cm-one');
    const two = makeCache('cm-two');
    await one.cache.set('k', 'one');
    await two.cache.set('k', 'two');
    await one.cache.clear();
    expect(await one.cache.get('k')).toBeUndefined();
    expect(await two.cache.get('k')).toBe('two');
  });
});
