/**
 * The shared adapter store contract (@memkit/testing), driven through what a
 * Nest application uses: the `CACHE_MANAGER` of a `CacheModule` whose store is
 * `memkitCacheStore`.
 */
import type { KeyvMemkit } from '@memkit/keyv';
import { describeStoreContract, rawStoreAccess, startMemcached, surfaceErrors } from '@memkit/testing';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { memkitCacheStore } from '../src/index';

describeStoreContract('Nest CACHE_MANAGER + memkitCacheStore', async () => {
  const mc = await startMemcached({ memoryMb: 16 });
  const keyv = memkitCacheStore({ servers: [mc.address] }, { namespace: 'contract' });
  // With Keyv 5 (what cache-manager 7 needs) the store is a ready Keyv.
  if (!(keyv instanceof Keyv)) throw new Error('expected a Keyv 5 instance');
  const adapter = keyv.store as KeyvMemkit;
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.register({ stores: [keyv] })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const cache = app.get<Cache>(CACHE_MANAGER);

  // Keyv reports store errors as 'error' events and resolves; surface them as rejections.
  const surfaced = <T>(op: () => Promise<T>): Promise<T> => surfaceErrors(keyv, op);
  return {
    set: (k, v, ttl) => surfaced(() => cache.set(k, v, ttl)),
    get: (k) => surfaced(() => cache.get(k)),
    delete: (k) => surfaced(() => cache.del(k)),
    physicalKey: (k) => adapter.physicalKey(`contract:${k}`),
    raw: rawStoreAccess(mc),
    close: async () => {
      await app.close();
      await mc.stop();
    },
  };
});
