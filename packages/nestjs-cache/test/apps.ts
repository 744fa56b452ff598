/**
 * Nest test applications on a real memcached: `MemkitModule` (global) and,
 * unless `cache: false`, a `CacheModule` on `memkitCacheStore` sharing its
 * client, with the given controllers and providers.
 */
import type { Client, ClientOptions } from '@memkit/client';
import { CacheModule } from '@nestjs/cache-manager';
import type { INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MEMKIT_CLIENT, type MemkitCacheStore, MemkitModule, memkitCacheStore } from '../src/index';

export interface TestAppOptions {
  /** Client options of `MemkitModule` (`servers` at least). */
  client: ClientOptions;
  controllers?: Type[];
  providers?: Provider[];
  /** The cache namespace; `false`: no `CacheModule`. Default `'cache'`. */
  cache?: string | false;
  /** Called with the store `memkitCacheStore` returned. */
  onStore?: (store: MemkitCacheStore) => void;
}

/** Builds and initialises the application (without listening). */
export async function testApp(options: TestAppOptions): Promise<INestApplication> {
  const namespace = options.cache ?? 'cache';
  const moduleRef = await Test.createTestingModule({
    imports: [
      MemkitModule.forRoot({ ...options.client, isGlobal: true }),
      ...(namespace === false
        ? []
        : [
            CacheModule.registerAsync({
              inject: [MEMKIT_CLIENT],
              useFactory: (client: Client) => {
                const store = memkitCacheStore(client, { namespace });
                options.onStore?.(store);
                return { stores: [store], ttl: 60_000 };
              },
            }),
          ]),
    ],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
