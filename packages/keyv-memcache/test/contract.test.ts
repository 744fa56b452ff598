/**
 * The shared store contract of @memkit/testing, three ways: the adapter as
 * Keyv 5 calls it, and through real Keyv 5 and Keyv 6 instances (which turn
 * store errors into events; the wrappers turn them back into rejections so
 * the contract sees what the adapter did).
 */

import { MemkitError } from '@memkit/client';
import {
  describeStoreContract,
  type MemcachedInstance,
  rawStoreAccess,
  startMemcached,
  surfaceErrors,
} from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { KeyvMemkit } from '../src/index';

let memcached: MemcachedInstance | undefined;
async function server(): Promise<MemcachedInstance> {
  memcached ??= await startMemcached();
  return memcached;
}

describeStoreContract('KeyvMemkit (adapter, Keyv 5 contract)', async () => {
  const m = await server();
  const store = new KeyvMemkit(m.address, { namespace: 'direct', keyvVersion: 5 });
  return {
    set: (k, v, ttl) => store.set(k, v, ttl),
    get: (k) => store.get(k),
    delete: (k) => store.delete(k),
    physicalKey: (k) => store.physicalKey(k),
    raw: rawStoreAccess(m),
    close: () => store.disconnect(),
  };
});

describeStoreContract('Keyv 5 + KeyvMemkit', async () => {
  const m = await server();
  const store = new KeyvMemkit(m.address);
  const keyv = new Keyv5({ store, namespace: 'k5', throwOnErrors: true });
  return {
    set: (k, v, ttl) => keyv.set(k, v, ttl),
    get: (k) => keyv.get(k),
    delete: (k) => keyv.delete(k),
    physicalKey: (k) => store.physicalKey(`k5:${k}`),
    raw: rawStoreAccess(m),
    close: () => keyv.disconnect(),
  };
});

describeStoreContract('Keyv 6 + KeyvMemkit', async () => {
  const m = await server();
  const store = new KeyvMemkit(m.address);
  const keyv = new Keyv6({ store, namespace: 'k6' });
  // Keyv 6 reports store errors as 'error' events and resolves; surface them as rejections.
  const surfaced = <T>(op: () => Promise<T>): Promise<T> => surfaceErrors(keyv, op);
  return {
    set: async (k, v, ttl) => {
      // Keyv 6 refuses an empty key itself (resolves false, never calls the store): a rejection.
      if (k === '' && !(await keyv.set(k, v, ttl)))
        throw new MemkitError('ERR_KEY_INVALID', 'Keyv 6 refuses ""');
      return surfaced(() => keyv.set(k, v, ttl));
    },
    get: (k) => surfaced(() => keyv.get(k)),
    delete: (k) => surfaced(() => keyv.delete(k)),
    physicalKey: (k) => store.physicalKey(k),
    raw: rawStoreAccess(m),
    close: async () => {
      await keyv.disconnect();
      await memcached?.stop();
    },
  };
});
