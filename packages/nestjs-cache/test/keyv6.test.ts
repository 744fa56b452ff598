/**
 * Under Keyv 6, `memkitCacheStore` hands `CacheModule` the bare adapter. This
 * package's tests resolve Keyv 5 (what cache-manager 7 needs), so the Keyv 6
 * branch is driven with the Keyv 6 class passed explicitly, and the wrapping
 * that `@nestjs/cache-manager` 12.0 applies to a bare store is reproduced as
 * it is written there: `new Keyv({ store, ttl: options.ttl, namespace: options.namespace })`.
 */
import { KeyvMemkit } from '@memkit/keyv';
import { type MemcachedInstance, rawCommand, rawStoreAccess, startMemcached } from '@memkit/testing';
import { createCache } from 'cache-manager';
import { Keyv as Keyv6 } from 'keyv6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCacheStore } from '../src/cache-store';

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
});
afterAll(async () => {
  await mc?.stop();
});

describe('memkitCacheStore under Keyv 6', () => {
  it('is the bare adapter, pinned to the Keyv 6 contract', () => {
    const store = buildCacheStore(Keyv6 as never, { servers: [mc.address] }, { namespace: 'six' });
    expect(store).toBeInstanceOf(KeyvMemkit);
    expect((store as KeyvMemkit).keyvVersion).toBe(6);
    expect((store as KeyvMemkit).namespace).toBe('six');
  });

  it('works behind the Keyv that CacheModule wraps it in: namespace kept, TTLs in ms, values stored once', async () => {
    const store = buildCacheStore(Keyv6 as never, { servers: [mc.address] }, {}) as KeyvMemkit;
    const keyv = new Keyv6({ store, ttl: 60_000, namespace: undefined });
    const cache = createCache({ stores: [keyv as never], ttl: 60_000 });

    await cache.set('/products/1', { id: 1 }, 5_000);
    expect(await cache.get('/products/1')).toEqual({ id: 1 });
    const physical = await store.physicalKey('/products/1');
    expect(physical).toMatch(/^cache:[0-9a-z]+:\/products\/1$/);
    expect(await rawStoreAccess(mc).ttl(physical)).toBeOneOf([4, 5]);
    // One layer of Keyv serialization: the value is not a serialized string inside another.
    expect(JSON.parse((await rawStoreAccess(mc).get(physical))!.toString('utf8')).value).toEqual({ id: 1 });

    await cache.set('/products/2', 'two');
    expect(await rawStoreAccess(mc).ttl(await store.physicalKey('/products/2'))).toBeOneOf([59, 60]);

    expect(await cache.del('/products/1')).toBe(true);
    expect(await rawStoreAccess(mc).get(physical)).toBeUndefined();

    expect(await rawCommand(mc, 'set other 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    await cache.clear();
    expect(await cache.get('/products/2')).toBeUndefined();
    expect((await rawStoreAccess(mc).get('other'))?.toString()).toBe('x');

    await cache.disconnect();
    await expect(store.client.get('any')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });
});
