/**
 * `wrap()` and the store's `getOrSet` in one process: the loaded value is an
 * ordinary Keyv entry (Keyv reads, deletes and clears it), the TTL defaults
 * to the Keyv's, a failing loader stores nothing, `staleTtl` serves the old
 * value to other clients while one refreshes, and Keyv 6's empty key is
 * never cached, as in Keyv 6 itself. Across processes: wrap-processes.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@memkit/client';
import { rawStoreAccess } from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit, memkitStoreOf, wrap } from '../src/index';
import { type Backend, KEYV_VERSIONS, startBackend } from './helpers';

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

describe.each(KEYV_VERSIONS)('wrap() with $name', ({ name, Keyv }) => {
  const ns = `wrap-${name.replace(' ', '')}`;

  it('loads once, then serves the entry Keyv itself reads, deletes and clears', async () => {
    const keyv = new Keyv({ store: new KeyvMemkit(backend.client), namespace: ns });
    const key = `/items?filter=${'f'.repeat(400)}`;
    let loads = 0;
    const load = async () => ({ n: ++loads });
    const first = await Promise.all(Array.from({ length: 20 }, () => wrap(keyv, key, load, { ttl: 60_000 })));
    expect(first).toEqual(first.map(() => ({ n: 1 })));
    expect(await keyv.get(key)).toEqual({ n: 1 });
    expect(await wrap(keyv, key, load)).toEqual({ n: 1 });
    await keyv.delete(key);
    expect(await wrap(keyv, key, load)).toEqual({ n: 2 });
    await keyv.clear();
    expect(await wrap(keyv, key, load)).toEqual({ n: 3 });
    expect(loads).toBe(3);
  });

  it('uses the Keyv default TTL when none is given, and loads again after it', async () => {
    const keyv = new Keyv({ store: new KeyvMemkit(backend.client), namespace: `${ns}-ttl`, ttl: 1000 });
    let loads = 0;
    expect(await wrap(keyv, 'short lived', () => ++loads)).toBe(1);
    const raw = (
      name === 'Keyv 6'
        ? await keyv.getRaw('short lived')
        : await (keyv as unknown as Keyv5).get('short lived', { raw: true })
    ) as { expires?: number } | undefined;
    expect(raw?.expires).toBeGreaterThan(Date.now());
    expect(raw?.expires).toBeLessThanOrEqual(Date.now() + 1000);
    // Once Keyv's own expiry has passed (whatever memcached's once-a-second clock says), wrap loads again.
    const expires = raw!.expires!;
    while (Date.now() <= expires) await sleep(Math.max(1, expires - Date.now() + 1));
    expect(await wrap(keyv, 'short lived', () => ++loads)).toBe(2);
  });

  it('a failing loader rejects this caller, stores nothing, and the next call loads', async () => {
    const keyv = new Keyv({ store: new KeyvMemkit(backend.client), namespace: `${ns}-fail` });
    const boom = new Error('backend down');
    await expect(wrap(keyv, 'flaky', () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await keyv.get('flaky')).toBeUndefined();
    expect(await wrap(keyv, 'flaky', () => 'recovered', { ttl: 60_000 })).toBe('recovered');
  });
});

describe('staleTtl', () => {
  it('serves the old value to other clients while ONE caller refreshes it', async () => {
    const other = new Client({ servers: [backend.memcached.address] });
    try {
      const store = new KeyvMemkit(backend.client);
      const mine = new Keyv6({ store, namespace: 'swr' });
      const theirs = new Keyv6({ store: new KeyvMemkit(other), namespace: 'swr' });
      // Fresh for 1 s, then servable for 10 s more: a wide window, so a loaded machine cannot miss it.
      const opts = { ttl: 1000, staleTtl: 10_000 };
      expect(await wrap(mine, 'k', () => 'v1', opts)).toBe('v1');
      // Inside the stale window by memcached's own clock: less than 10 s of its 11 s left.
      const physical = await store.physicalKey('k');
      const ttl = () => rawStoreAccess(backend.memcached).ttl(physical);
      while (((await ttl()) ?? 0) > 9) await sleep(50);
      let started!: () => void;
      const refreshing = new Promise<void>((r) => {
        started = r;
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const refresh = wrap(
        mine,
        'k',
        async () => {
          started();
          await gate;
          return 'v2';
        },
        opts,
      );
      await refreshing;
      let theirLoads = 0;
      expect(await wrap(theirs, 'k', () => `theirs ${++theirLoads}`, opts)).toBe('v1');
      expect(theirLoads).toBe(0);
      release();
      expect(await refresh).toBe('v2');
      expect(await wrap(theirs, 'k', () => 'not needed', opts)).toBe('v2');
    } finally {
      await other.close();
    }
  });
});

describe('wrap() edge cases', () => {
  it('Keyv 6 never caches its empty key (Keyv 6 refuses it), Keyv 5 does', async () => {
    const k6 = new Keyv6({ store: new KeyvMemkit(backend.client), namespace: 'empty6' });
    let loads = 0;
    await wrap(k6, '', () => ++loads);
    await wrap(k6, '', () => ++loads);
    expect(loads).toBe(2);
    const k5 = new Keyv5({ store: new KeyvMemkit(backend.client), namespace: 'empty5' });
    await wrap(k5, '', () => ++loads, { ttl: 60_000 });
    await wrap(k5, '', () => ++loads, { ttl: 60_000 });
    expect(loads).toBe(3);
    expect(await k5.get('')).toBe(3);
  });

  it('needs a Keyv on a KeyvMemkit, and finds it under Keyv 5 and Keyv 6', () => {
    expect(() => memkitStoreOf(new Keyv6())).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    const store = new KeyvMemkit(backend.client);
    expect(memkitStoreOf(new Keyv6({ store }))).toBe(store);
    const store5 = new KeyvMemkit(backend.client);
    expect(memkitStoreOf(new Keyv5({ store: store5 }))).toBe(store5);
  });

  it('an entry that Keyv cannot decode is an ERR_UNSERIALIZABLE, not a value', async () => {
    const store = new KeyvMemkit(backend.client, { namespace: 'garbage' });
    const keyv = new Keyv6({ store });
    await store.set('g', 'not json {', undefined);
    await expect(wrap(keyv, 'g', () => 'x')).rejects.toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
  });
});
