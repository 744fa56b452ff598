/**
 * The adapter's own behaviour: one batch per multi-key call, which client it
 * closes, how it picks the Keyv contract, createKeyv, iteration with Keyv 5,
 * Keyv 5 and Keyv 6 sharing a namespace. Keys of every kind: any-key.test.ts.
 */
import { Client } from '@memkit/client';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyv, KeyvMemkit } from '../src/index';
import { type Backend, countCommands, startBackend } from './helpers';

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

describe('batching: one round trip per call', () => {
  const keys = Array.from({ length: 50 }, (_, i) => `b${i}`);

  it('get/getMany/hasMany send one getMulti (keys + generation counter)', async () => {
    const keyv = new Keyv6({ store: new KeyvMemkit(backend.client), namespace: 'batch' });
    await keyv.get('warm');
    expect(await countCommands(() => keyv.get('b1'))).toEqual(['getMulti']);
    expect(await countCommands(() => keyv.getMany(keys))).toEqual(['getMulti']);
    expect(await countCommands(() => keyv.store.hasMany(keys))).toEqual(['getMulti']);
  });

  it('set/setMany/deleteMany send their batch and the counter read together', async () => {
    const keyv = new Keyv6({ store: new KeyvMemkit(backend.client), namespace: 'batch' });
    await keyv.get('warm');
    expect((await countCommands(() => keyv.set('b1', 1))).sort()).toEqual(['get', 'set']);
    const setMany = await countCommands(() => keyv.setMany(keys.map((key) => ({ key, value: key }))));
    expect(setMany.sort()).toEqual(['get', 'setMulti']);
    expect(await keyv.getMany(keys)).toEqual(keys);
    const deleteMany = await countCommands(() => keyv.deleteMany(keys));
    expect(deleteMany.sort()).toEqual(['deleteMulti', 'get']);
    expect(await keyv.getMany(keys)).toEqual(keys.map(() => undefined));
  });

  it('setMany with different TTLs sends one setMulti per TTL, in the same round trip', async () => {
    const store = new KeyvMemkit(backend.client, { namespace: 'ttls', keyvVersion: 6 });
    const now = Date.now();
    const result = await store.setMany([
      { key: 'a', value: '1', expires: now + 60_000 },
      { key: 'b', value: '2', expires: now + 60_000 },
      { key: 'c', value: '3' },
      { key: 'd', value: '4', expires: now - 1 },
    ]);
    expect(result).toEqual([true, true, true, true]);
    expect(await store.getMany(['a', 'b', 'c', 'd'])).toEqual(['1', '2', '3', undefined]);
  });

  it('deleteMany answers per key for Keyv 6 and once for Keyv 5', async () => {
    const v6 = new KeyvMemkit(backend.client, { namespace: 'dm', keyvVersion: 6 });
    await v6.set('x', '1');
    expect(await v6.deleteMany(['x', 'y'])).toEqual([true, false]);
    const v5 = new KeyvMemkit(backend.client, { namespace: 'dm', keyvVersion: 5 });
    await v5.setMany([
      { key: 'dm:x', value: '1' },
      { key: 'dm:y', value: '2' },
    ]);
    expect(await v5.deleteMany(['dm:x', 'dm:y'])).toBe(true);
    expect(await v5.deleteMany(['dm:x'])).toBe(false);
    expect(await v5.deleteMany([])).toBe(false);
  });
});

describe('disconnect()', () => {
  it('closes a client the adapter created', async () => {
    const store = new KeyvMemkit(backend.memcached.address);
    await store.set('k', 'v');
    await store.disconnect();
    await expect(store.client.get('k')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('leaves a client that was passed in open', async () => {
    const client = new Client({ servers: [backend.memcached.address] });
    const keyv = new Keyv6({ store: new KeyvMemkit(client) });
    await keyv.set('k', 'v');
    await keyv.disconnect();
    expect(await client.version()).toEqual([
      { server: backend.memcached.address, ok: true, value: expect.any(String) },
    ]);
    await client.close();
  });
});

describe('Keyv contract detection', () => {
  it("'auto' starts with the Keyv 5 contract and keeps it under Keyv 5", () => {
    const store = new KeyvMemkit(backend.client);
    expect(store.keyvVersion).toBe(5);
    new Keyv5({ store });
    expect(store.keyvVersion).toBe(5);
  });

  it("'auto' switches to the Keyv 6 contract when Keyv 6 attaches the store", () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = new Keyv6({ store });
    expect(store.keyvVersion).toBe(6);
    expect(keyv.store).toBe(store); // used directly, not wrapped in Keyv's bridge
  });

  it('a pinned version stays pinned', () => {
    const store = new KeyvMemkit(backend.client, { keyvVersion: 5 });
    void store.capabilities;
    expect(store.keyvVersion).toBe(5);
  });

  it('Keyv 5 and Keyv 6 apps share a namespace: same physical keys, readable values', async () => {
    const k5 = new Keyv5({ store: new KeyvMemkit(backend.client), namespace: 'both' });
    const k6 = new Keyv6({ store: new KeyvMemkit(backend.client), namespace: 'both' });
    await k5.set('from5', { n: 5 });
    await k6.set('from6', 'six');
    expect(await k6.get('from5')).toEqual({ n: 5 });
    expect(await k5.get('from6')).toBe('six');
  });
});

describe('createKeyv', () => {
  it('returns a ready Keyv of the installed version, owning its client', async () => {
    const keyv = createKeyv(backend.memcached.address, { namespace: 'created', ttl: 60_000 });
    const store = keyv.store as unknown as KeyvMemkit;
    expect(keyv).toBeInstanceOf(Keyv6);
    expect(keyv.namespace).toBe('created');
    expect(store.keyvVersion).toBe(6);
    await keyv.set('a', 1);
    expect(await keyv.get('a')).toBe(1);
    const raw = await store.client.get(await store.physicalKey('a'));
    expect(raw).toContain('"value":1');
    await keyv.disconnect();
    await expect(store.client.get('a')).rejects.toMatchObject({
      code: 'ERR_CLIENT_CLOSED',
    });
  });
});

describe('iterator()', () => {
  it('yields the live keys of the current generation, in the form Keyv 5 sent them', async () => {
    const store = new KeyvMemkit(backend.client, { keyvVersion: 5 });
    const keyv = new Keyv5({ store, namespace: 'it5' });
    const other = new Keyv5({ store: new KeyvMemkit(backend.client), namespace: 'it5other' });
    await keyv.set('old', 'gone');
    await keyv.clear();
    await keyv.set('a', 1);
    await keyv.set('b', 2);
    await other.set('a', 'not mine');
    const seen = new Map<string, unknown>();
    for await (const [key, raw] of store.iterator('it5'))
      seen.set(key as string, JSON.parse(raw as string).value);
    expect(seen).toEqual(
      new Map<string, unknown>([
        ['it5:a', 1],
        ['it5:b', 2],
      ]),
    );
  });
});
