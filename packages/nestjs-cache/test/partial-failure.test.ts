/**
 * The cache store with 1 of 2 servers down: `mget`/`mset`/`mdel` follow
 * Keyv's convention (a failure is an `error` event on the store plus a miss
 * or `false`), so the keys of the live server are still read and written and
 * the failure is reported, never passed off as a plain miss.
 */
import { Client, isPartialFailure, type MemkitError } from '@memkit/client';
import type { KeyvMemkit } from '@memkit/keyv';
import { getFreePort, type MemcachedInstance, startMemcached } from '@memkit/testing';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMKIT_CLIENT, type MemkitCacheStore, MemkitModule, memkitCacheStore } from '../src/index';

let mc: MemcachedInstance;
let app: INestApplication;
let cache: Cache;
let store: KeyvMemkit;
let client: Client;
const errors: MemkitError[] = [];

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  const down = `127.0.0.1:${await getFreePort()}`;
  // A namespace whose generation counter lives on the live server (the store needs it for every call).
  const probe = new Client({ servers: [mc.address, down] });
  let n = 0;
  while (probe.serverFor(`ns${n}:__gen`) !== mc.address) n++;
  await probe.close();
  const moduleRef = await Test.createTestingModule({
    imports: [
      MemkitModule.forRoot({ servers: [mc.address, down], failureThreshold: 1_000_000, isGlobal: true }),
      CacheModule.registerAsync({
        inject: [MEMKIT_CLIENT],
        useFactory: (c: Client) => {
          client = c;
          const keyv: MemkitCacheStore = memkitCacheStore(c, { namespace: `ns${n}` });
          store = keyv instanceof Keyv ? (keyv.store as KeyvMemkit) : keyv;
          return { stores: [keyv] };
        },
      }),
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  cache = app.get(CACHE_MANAGER);
  (cache.stores[0] as Keyv).on('error', (e: MemkitError) => errors.push(e));
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

async function split(keys: string[]): Promise<{ live: string[]; dead: string[] }> {
  const live: string[] = [];
  for (const k of keys) if (client.serverFor(await store.physicalKey(k)) === mc.address) live.push(k);
  return { live, dead: keys.filter((k) => !live.includes(k)) };
}

describe('cache store with 1 of 2 servers down', () => {
  it('mset stores the live keys, mget reads them, and both report the failure', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `item:${i}`);
    const { live, dead } = await split(keys);
    expect(live.length).toBeGreaterThan(2);
    expect(dead.length).toBeGreaterThan(2);
    errors.length = 0;
    await cache.mset(keys.map((key) => ({ key, value: { key } })));
    expect(errors.map((e) => e.code)).toEqual(['ERR_PARTIAL_FAILURE']);
    expect(isPartialFailure(errors[0])).toBe(true);

    errors.length = 0;
    const values = await cache.mget(keys);
    expect(values).toEqual(keys.map((key) => (live.includes(key) ? { key } : undefined)));
    expect(errors.map((e) => e.code)).toEqual(['ERR_PARTIAL_FAILURE']);
    // The keys as the store received them (Keyv 5 hands them over with its namespace prefix).
    const failed = isPartialFailure(errors[0]) ? errors[0].failures.flatMap((f) => f.keys) : [];
    expect(failed.map((k) => k.replace(/^ns\d+:/, '')).sort()).toEqual([...dead].sort());
  });

  it('mdel deletes the live keys and reports each key of the down server', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `gone:${i}`);
    const { live, dead } = await split(keys);
    await cache.mset(live.map((key) => ({ key, value: 1 })));
    errors.length = 0;
    await cache.mdel(keys);
    expect(await cache.mget(live)).toEqual(live.map(() => undefined));
    // cache-manager deletes key by key: one error per key of the down server.
    expect(errors.map((e) => e.code)).toEqual(dead.map(() => 'ERR_CONNECT'));
  });
});
