import { Client } from '@memkit/client';
import type { KeyvMemkit } from '@memkit/keyv';
import { type MemcachedInstance, rawCommand, rawStoreAccess, startMemcached } from '@memkit/testing';
import { CACHE_MANAGER, CacheInterceptor, CacheKey, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import {
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Inject,
  Param,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMKIT_CLIENT, type MemkitCacheStore, MemkitModule, memkitCacheStore } from '../src/index';

@Controller('items')
@UseInterceptors(CacheInterceptor)
class ItemsController {
  loads = 0;
  constructor(@Inject(CACHE_MANAGER) private readonly cache: Cache) {}

  @Get('fixed')
  @CacheKey('fixed-key')
  fixed() {
    return { loads: ++this.loads };
  }

  @Get(':id')
  item(@Param('id') id: string) {
    return { id, loads: ++this.loads };
  }

  @Get(':id/short')
  @CacheTTL(1000)
  short(@Param('id') id: string) {
    return { id, loads: ++this.loads };
  }

  @Get(':id/fractional')
  @CacheTTL(2500)
  fractional(@Param('id') id: string) {
    return { id, loads: ++this.loads };
  }

  @Post(':id')
  @HttpCode(204)
  async update(@Param('id') id: string): Promise<void> {
    await this.cache.del(`/items/${id}`);
  }
}

let mc: MemcachedInstance;
let app: INestApplication;
let store: KeyvMemkit;
const adapterOf = (store: MemkitCacheStore) => (store instanceof Keyv ? (store.store as KeyvMemkit) : store);
let controller: ItemsController;

const http = () => request(app.getHttpServer());
const loadsOf = async (path: string) =>
  ((await http().get(path).expect(200)).body as { loads: number }).loads;
const raw = () => rawStoreAccess(mc);

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MemkitModule.forRoot({ servers: [mc.address], isGlobal: true }),
      CacheModule.registerAsync({
        inject: [MEMKIT_CLIENT],
        useFactory: (client: Client) => {
          const keyv = memkitCacheStore(client, { namespace: 'nest' });
          store = adapterOf(keyv);
          return { stores: [keyv], ttl: 60_000 };
        },
      }),
    ],
    controllers: [ItemsController],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  controller = app.get(ItemsController);
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

describe('CacheInterceptor on memcached', () => {
  it('serves the second GET from memcached, under the URL key', async () => {
    expect(await loadsOf('/items/1')).toBe(1);
    expect(await loadsOf('/items/1')).toBe(1);
    expect(controller.loads).toBe(1);

    const physical = await store.physicalKey('/items/1');
    expect(physical).toMatch(/^nest:[0-9a-z]+:\/items\/1$/);
    expect((await raw().get(physical))?.toString('utf8')).toContain('"loads":1');

    // Deleting the item behind Nest's back turns the next GET into a miss: reads really go to memcached.
    expect(await rawCommand(mc, `delete ${physical}\r\n`)).toBe('DELETED\r\n');
    expect(await loadsOf('/items/1')).toBe(2);
    expect(await loadsOf('/items/1')).toBe(2);
  });

  it('stores with the module ttl (ms) as memcached seconds', async () => {
    await loadsOf('/items/ttl');
    const ttl = await raw().ttl(await store.physicalKey('/items/ttl'));
    expect(ttl).toBeGreaterThanOrEqual(58);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('respects @CacheTTL: 2500 ms is 3 s on the server', async () => {
    await loadsOf('/items/f/fractional');
    expect(await raw().ttl(await store.physicalKey('/items/f/fractional'))).toBeOneOf([2, 3]);
  });

  it('respects @CacheTTL: 1000 ms expires on the server within ~2 s', async () => {
    const first = await loadsOf('/items/s/short');
    expect(await loadsOf('/items/s/short')).toBe(first);
    const physical = await store.physicalKey('/items/s/short');
    expect(await raw().ttl(physical)).toBeOneOf([0, 1]);

    await expect.poll(async () => raw().get(physical), { timeout: 3000, interval: 100 }).toBeUndefined();
    expect(await loadsOf('/items/s/short')).toBe(first + 1);
  });

  it('uses the @CacheKey key', async () => {
    const first = await loadsOf('/items/fixed');
    expect(await loadsOf('/items/fixed')).toBe(first);
    expect((await raw().get(await store.physicalKey('fixed-key')))?.toString('utf8')).toContain(
      `"loads":${first}`,
    );
  });

  it('caches URLs too long for a memcached key, under the digest of the full key', async () => {
    const path = `/items/${'x'.repeat(260)}?q=${'long-query-'.repeat(30)}`;
    const first = await loadsOf(path);
    expect(await loadsOf(path)).toBe(first);
    const physical = await store.physicalKey(path);
    expect(physical).toMatch(/^nest:#sha256:[A-Za-z0-9_-]{43}$/);
    expect((await raw().get(physical))?.toString('utf8')).toContain(`"loads":${first}`);
  });

  it('invalidates through CACHE_MANAGER.del', async () => {
    const first = await loadsOf('/items/7');
    expect(await loadsOf('/items/7')).toBe(first);
    const physical = await store.physicalKey('/items/7');

    await http().post('/items/7').expect(204);
    expect(await raw().get(physical)).toBeUndefined();
    expect(await loadsOf('/items/7')).toBe(first + 1);
  });
});

describe('CACHE_MANAGER on memcached', () => {
  it('get/set/del/wrap with TTLs in ms, and clear() without flush_all', async () => {
    const cache = app.get<Cache>(CACHE_MANAGER);
    await cache.set('direct', { a: 1 }, 5_000);
    expect(await cache.get('direct')).toEqual({ a: 1 });
    expect(await raw().ttl(await store.physicalKey('direct'))).toBeOneOf([4, 5]);

    let calls = 0;
    const load = async () => ({ n: ++calls });
    expect(await cache.wrap('wrapped', load, 10_000)).toEqual({ n: 1 });
    expect(await cache.wrap('wrapped', load, 10_000)).toEqual({ n: 1 });

    expect(await cache.del('direct')).toBe(true);
    expect(await cache.get('direct')).toBeUndefined();

    // A key outside the namespace survives clear(): it bumps the namespace generation, no flush_all.
    expect(await rawCommand(mc, 'set outside 0 0 2\r\nok\r\n')).toBe('STORED\r\n');
    await cache.clear();
    expect(await cache.get('wrapped')).toBeUndefined();
    expect((await raw().get('outside'))?.toString()).toBe('ok');
  });
});

describe('shutdown with a store that owns its client', () => {
  it('closes that client when the cache disconnects on app.close()', async () => {
    const keyv = memkitCacheStore({ servers: [mc.address] });
    const owned = adapterOf(keyv);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.register({ stores: [keyv] })],
    }).compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.init();
    const cache = other.get<Cache>(CACHE_MANAGER);
    await cache.set('owned', 'yes', 1000);
    expect(await cache.get('owned')).toBe('yes');
    expect(owned.client).toBeInstanceOf(Client);
    expect(await owned.physicalKey('owned')).toMatch(/^cache:[0-9a-z]+:owned$/);

    await other.close();
    await expect(owned.client.get('owned')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    // The shared client of the main app is not affected.
    expect(await app.get(Client).version()).toEqual([{ server: mc.address, ok: true, value: '1.6.18' }]);
  });
});

describe('memcached outage', () => {
  it('serves every request uncached while memcached is down, and caches again once it is back', async () => {
    const down = await startMemcached({ memoryMb: 16 });
    const moduleRef = await Test.createTestingModule({
      imports: [
        MemkitModule.forRoot({ servers: [down.address], isGlobal: true, reconnectMaxDelay: 100 }),
        CacheModule.registerAsync({
          inject: [MEMKIT_CLIENT],
          useFactory: (client: Client) => ({ stores: [memkitCacheStore(client)], ttl: 60_000 }),
        }),
      ],
      controllers: [ItemsController],
    }).compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.init();
    const items = other.get(ItemsController);
    const get = async () => (await request(other.getHttpServer()).get('/items/1').expect(200)).body.loads;
    try {
      expect(await get()).toBe(1);
      expect(await get()).toBe(1);

      await down.stop();
      expect(await get()).toBe(2);
      expect(await get()).toBe(3);

      await down.restart();
      // Cached again once a GET is answered without running the handler.
      await expect
        .poll(
          async () => {
            const before = await get();
            return (await get()) === before;
          },
          { timeout: 5000, interval: 100 },
        )
        .toBe(true);
      const cached = items.loads;
      expect(await get()).toBe(cached);
      expect(await get()).toBe(cached);
    } finally {
      await other.close();
      await down.stop();
    }
  });
});
