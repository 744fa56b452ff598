/**
 * The shared store contract (hostile keys and values, ms TTLs, delete) run on
 * MemkitStore. Contract values ride in a session field; a TTL becomes the
 * cookie's maxAge, and "no TTL" is a store with `disableTTL`.
 */
import { Client } from '@memkit/client';
import {
  describeStoreContract,
  type MemcachedInstance,
  rawStoreAccess,
  startMemcached,
} from '@memkit/testing';
import type { SessionData } from 'express-session';
import { afterAll } from 'vitest';
import { MemkitStore } from '../src/index';
import { destroy, get, set } from './helpers';

let mc: MemcachedInstance | undefined;
afterAll(async () => {
  await mc?.stop();
});

function wrap(value: string, ttlMs: number | undefined): SessionData {
  const cookie = { originalMaxAge: ttlMs ?? null, maxAge: ttlMs, expires: null, path: '/' };
  return { cookie, value } as unknown as SessionData;
}

describeStoreContract('MemkitStore (express-session)', async () => {
  mc = await startMemcached({ memoryMb: 16 });
  const client = new Client({ servers: [mc.address] });
  const store = new MemkitStore({ client });
  const noTtl = new MemkitStore({ client, disableTTL: true });
  return {
    set: (key, value, ttlMs) => set(ttlMs === undefined ? noTtl : store, key, wrap(value, ttlMs)),
    get: async (key) => ((await get(store, key)) as { value?: string } | null)?.value,
    delete: (key) => destroy(store, key),
    physicalKey: (key) => store.prefix + key,
    raw: rawStoreAccess(mc),
    close: () => client.close(),
  };
});
