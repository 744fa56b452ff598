import type { KeyvMemkit } from '@memkit/keyv';
import {
  type MemcachedInstance,
  rawCommand,
  rawStats,
  rawStoreAccess,
  startMemcached,
} from '@memkit/testing';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule, CACHE_NAMESPACE } from '../src/main';
import { ProductsService } from '../src/products/products.service';

const SLOW_MS = 150;

let mc: MemcachedInstance;
let app: INestApplication;
let store: KeyvMemkit;
let products: ProductsService;

const http = () => request(app.getHttpServer());
const raw = () => rawStoreAccess(mc);
// Keyv 5 hands the adapter `namespace:key`; the adapter maps it to its physical key.
const physicalKey = (url: string) => store.physicalKey(`${CACHE_NAMESPACE}:${url}`);

async function timed(path: string) {
  const started = performance.now();
  const res = await http().get(path).expect(200);
  return { body: res.body, ms: performance.now() - started };
}

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ servers: [mc.address], slowMs: SLOW_MS })],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const keyv = app.get<Cache>(CACHE_MANAGER).stores[0] as Keyv;
  store = keyv.store as KeyvMemkit;
  products = app.get(ProductsService);
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

describe('GET /products/:id', () => {
  it('is slow once, then served from memcached under the URL key with the @CacheTTL', async () => {
    const lookups = products.lookups;
    const first = await timed('/products/2');
    expect(first.ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
    expect(first.body).toMatchObject({ id: 2, name: 'Burr grinder', price: 129 });

    const second = await timed('/products/2');
    expect(second.body).toEqual(first.body); // same computedAt: the cached response
    expect(second.ms).toBeLessThan(SLOW_MS);
    expect(products.lookups).toBe(lookups + 1);

    const key = await physicalKey('/products/2');
    expect(key).toMatch(/^nestjs-cache:[0-9a-z]+:\/products\/2$/);
    expect((await raw().get(key))?.toString('utf8')).toContain(first.body.computedAt);
    // @CacheTTL(30_000) on the route, not the module's 60 s.
    const ttl = await raw().ttl(key);
    expect(ttl).toBeGreaterThanOrEqual(28);
    expect(ttl).toBeLessThanOrEqual(30);

    // Gone from memcached behind the app's back: the next GET is a miss, so reads really go there.
    expect(await rawCommand(mc, `delete ${key}\r\n`)).toBe('DELETED\r\n');
    const third = await timed('/products/2');
    expect(third.body.computedAt).not.toBe(first.body.computedAt);
    expect(products.lookups).toBe(lookups + 2);
  });

  it('does not cache a 404', async () => {
    const lookups = products.lookups;
    await http().get('/products/99').expect(404);
    await http().get('/products/99').expect(404);
    expect(products.lookups).toBe(lookups + 2);
    expect(await raw().get(await physicalKey('/products/99'))).toBeUndefined();
  });
});

describe('GET /products/search (long query strings, one search per cluster)', () => {
  const longQuery = `${'espresso '.repeat(60)}machine`; // ~550 bytes: far over memcached's 250

  it('caches a long query string under its digest key, with the route TTL', async () => {
    const searches = products.searches;
    const url = `/products/search?q=${encodeURIComponent(longQuery)}`;
    const first = await timed(url);
    expect(first.body.results.map((p: { name: string }) => p.name)).toEqual(['Espresso machine']);
    const second = await timed(url);
    expect(second.body).toEqual(first.body);
    expect(second.ms).toBeLessThan(SLOW_MS);
    expect(products.searches).toBe(searches + 1);
    const key = await physicalKey(url);
    expect(key).toMatch(/^nestjs-cache:#sha256:[A-Za-z0-9_-]{43}$/);
    // @CacheTTL(30_000) + @CacheStaleTTL(60_000): the entry lives 90 s.
    expect(await raw().ttl(key)).toBeOneOf([89, 90]);
  });

  it('runs the slow search once for 20 concurrent cold requests, in one app', async () => {
    const searches = products.searches;
    const url = `/products/search?q=${encodeURIComponent(`grinder ${'burr '.repeat(80)}`)}`;
    const responses = await Promise.all(Array.from({ length: 20 }, () => http().get(url).expect(200)));
    expect(products.searches).toBe(searches + 1);
    expect(new Set(responses.map((r) => r.body.computedAt)).size).toBe(1);
    expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
  });

  it('runs it once across two app instances with their own clients (memcached elects the loader)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ servers: [mc.address], slowMs: SLOW_MS })],
    }).compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.init();
    try {
      const otherProducts = other.get(ProductsService);
      const before = products.searches + otherProducts.searches;
      const url = `/products/search?q=${encodeURIComponent(`jug ${'milk '.repeat(70)}`)}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request((i % 2 ? other : app).getHttpServer())
            .get(url)
            .expect(200),
        ),
      );
      expect(products.searches + otherProducts.searches).toBe(before + 1);
      expect(new Set(responses.map((r) => r.body.computedAt)).size).toBe(1);
      const stats = [await http().get('/stats'), await request(other.getHttpServer()).get('/stats')];
      expect(stats.map((r) => r.body.app.slowSearches)).toEqual([products.searches, otherProducts.searches]);
    } finally {
      await other.close();
    }
  });

  it('rejects a missing query without caching anything', async () => {
    await http().get('/products/search').expect(400);
    await http().get('/products/search?q=').expect(400);
  });
});

describe('POST /products/:id', () => {
  it('invalidates the cached product and list', async () => {
    const before = (await timed('/products/3')).body;
    await timed('/products');
    const itemKey = await physicalKey('/products/3');
    const listKey = await physicalKey('/products');
    expect(await raw().get(itemKey)).toBeDefined();
    expect(await raw().get(listKey)).toBeDefined();

    const res = await http().post('/products/3').send({ price: 21 }).expect(201);
    expect(res.body).toEqual({ id: 3, name: 'Milk jug', price: 21 });
    expect(await raw().get(itemKey)).toBeUndefined();
    expect(await raw().get(listKey)).toBeUndefined();

    const after = await timed('/products/3');
    expect(after.ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
    expect(after.body).toMatchObject({ id: 3, price: 21 });
    expect(after.body.computedAt).not.toBe(before.computedAt);
    expect((await timed('/products')).body.find((p: { id: number }) => p.id === 3).price).toBe(21);
  });

  it('rejects a bad body and an unknown product without touching the cache', async () => {
    await timed('/products/1');
    const key = await physicalKey('/products/1');
    await http().post('/products/1').send({ price: 'free' }).expect(400);
    await http().post('/products/42').send({ price: 1 }).expect(404);
    expect(await raw().get(key)).toBeDefined();
  });
});

describe('GET /stats', () => {
  it('reports the memcached counters through the injected client', async () => {
    await timed('/products/1');
    await timed('/products/1');
    const res = await http().get('/stats').expect(200);
    const server = res.body.servers[mc.address];
    const direct = await rawStats(mc);
    expect(server.version).toBe('1.6.18');
    expect(server.curr_items).toBe(Number(direct.curr_items));
    expect(server.curr_items).toBeGreaterThan(0);
    expect(server.get_hits).toBeGreaterThan(0);
    expect(server.hit_ratio).toBeGreaterThan(0);
    expect(server.hit_ratio).toBeLessThanOrEqual(1);
    expect(res.body.app.slowLookups).toBe(products.lookups);
  });
});

describe('GET /health', () => {
  it('is up with the server version', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body.details.memcached).toEqual({
      status: 'up',
      servers: { [mc.address]: { status: 'up', version: '1.6.18' } },
    });
  });
});

describe('shutdown', () => {
  it('app.close() leaves no sockets or timers', async () => {
    const counts = () => {
      const types = process.getActiveResourcesInfo();
      return {
        tcp: types.filter((t) => t === 'TCPSocketWrap' || t === 'TCPServerWrap').length,
        timeouts: types.filter((t) => t === 'Timeout').length,
      };
    };
    const before = counts();
    const connectionsBefore = Number((await rawStats(mc)).curr_connections);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ servers: [mc.address], slowMs: 1 })],
    }).compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.listen(0, '127.0.0.1');
    await request(other.getHttpServer()).get('/products/1').expect(200);
    await request(other.getHttpServer()).get('/health').expect(200);
    expect(Number((await rawStats(mc)).curr_connections)).toBeGreaterThan(connectionsBefore);
    expect(counts().tcp).toBeGreaterThan(before.tcp);

    await other.close();
    // At most what was open before (sockets of earlier tests may still be closing then).
    await vi.waitFor(
      () => {
        const after = counts();
        expect(after.tcp).toBeLessThanOrEqual(before.tcp);
        expect(after.timeouts).toBeLessThanOrEqual(before.timeouts);
      },
      { timeout: 2000, interval: 20 },
    );
    await vi.waitFor(
      async () => expect(Number((await rawStats(mc)).curr_connections)).toBe(connectionsBefore),
      { timeout: 2000, interval: 50 },
    );
  });
});
