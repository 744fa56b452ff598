/**
 * `MemkitCacheInterceptor` in one process: everything `CacheInterceptor` does
 * (GET only, URL keys, `@CacheKey`, `@CacheTTL`, `X-Cache`, `trackBy`
 * overrides, `CACHE_MANAGER.del`) on the same keys and entries, plus one
 * handler run for concurrent misses, failing handlers that cache nothing,
 * streams never cached, long URLs cached, `@CacheStaleTTL`, and a memcached
 * outage. Across processes: cache-interceptor-processes.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyvMemkit } from '@memkit/keyv';
import { type MemcachedInstance, rawStoreAccess, startMemcached } from '@memkit/testing';
import { CACHE_MANAGER, CacheKey, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import {
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  type INestApplication,
  Injectable,
  NotFoundException,
  Param,
  Post,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheStaleTTL, MemkitCacheInterceptor } from '../src/cache-interceptor';
import type { MemkitCacheStore } from '../src/index';
import { testApp } from './apps';

@Controller('items')
@UseInterceptors(MemkitCacheInterceptor)
class ItemsController {
  runs = new Map<string, number>();
  private run(key: string): number {
    const n = (this.runs.get(key) ?? 0) + 1;
    this.runs.set(key, n);
    return n;
  }

  @Get('slow/:id')
  async slow(@Param('id') id: string) {
    await sleep(200);
    return { id, run: this.run(`slow:${id}`) };
  }

  @Get('fixed')
  @CacheKey('fixed-key')
  fixed() {
    return { run: this.run('fixed') };
  }

  @Get('ttl')
  @CacheTTL(2500)
  ttl() {
    return { run: this.run('ttl') };
  }

  @Get('ttl-factory')
  @CacheTTL((_ctx: ExecutionContext) => 7000)
  ttlFactory() {
    return { run: this.run('ttl-factory') };
  }

  @Get('missing/:id')
  async missing(@Param('id') id: string) {
    this.run(`missing:${id}`);
    await sleep(100);
    throw new NotFoundException(`no ${id}`);
  }

  @Get('file')
  file() {
    this.run('file');
    return new StreamableFile(Buffer.from('file body'));
  }

  /** Holds a refresh of `stale` until the test opens it. */
  staleGate: Promise<void> = Promise.resolve();

  @Get('stale')
  @CacheTTL(1000)
  @CacheStaleTTL(10_000)
  async stale() {
    const n = this.run('stale');
    if (n > 1) await this.staleGate;
    return { run: n };
  }

  @Get(':id')
  item(@Param('id') id: string) {
    return { id, run: this.run(`item:${id}`) };
  }

  @Post(':id')
  @HttpCode(204)
  async update(@Param('id') id: string): Promise<void> {
    this.run(`post:${id}`);
  }
}

/** A subclass that keys by a header, as apps override `trackBy` on CacheInterceptor. */
@Injectable()
class TenantInterceptor extends MemkitCacheInterceptor {
  protected override trackBy(context: ExecutionContext): string | undefined {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; url: string }>();
    return `${req.headers['x-tenant'] ?? 'none'}:${req.url}`;
  }
}

@Controller('tenant')
@UseInterceptors(TenantInterceptor)
class TenantController {
  runs = 0;
  @Get()
  get() {
    return { run: ++this.runs };
  }
}

let mc: MemcachedInstance;
let app: INestApplication;
let store: KeyvMemkit;
let items: ItemsController;
const adapterOf = (s: MemkitCacheStore) => (s instanceof Keyv ? (s.store as KeyvMemkit) : s);
const http = () => request(app.getHttpServer());

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  app = await testApp({
    client: { servers: [mc.address] },
    cache: 'mci',
    controllers: [ItemsController, TenantController],
    providers: [TenantInterceptor],
    onStore: (keyv) => {
      store = adapterOf(keyv);
    },
  });
  items = app.get(ItemsController);
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

describe('MemkitCacheInterceptor: what CacheInterceptor does', () => {
  it('caches a GET under its URL, in the entry CACHE_MANAGER reads, with X-Cache MISS then HIT', async () => {
    const first = await http().get('/items/1').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await http().get('/items/1').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual({ id: '1', run: 1 });
    const cache = app.get<Cache>(CACHE_MANAGER);
    expect(await cache.get('/items/1')).toEqual({ id: '1', run: 1 });
    expect(await store.physicalKey('/items/1')).toMatch(/^mci:[0-9a-z]+:\/items\/1$/);
    await cache.del('/items/1');
    expect((await http().get('/items/1')).body).toEqual({ id: '1', run: 2 });
  });

  it('honours @CacheKey, @CacheTTL (value and factory) and the module ttl', async () => {
    await http().get('/items/fixed');
    expect((await http().get('/items/fixed')).body).toEqual({ run: 1 });
    expect(await rawStoreAccess(mc).ttl(await store.physicalKey('fixed-key'))).toBeOneOf([59, 60]);
    await http().get('/items/ttl');
    expect(await rawStoreAccess(mc).ttl(await store.physicalKey('/items/ttl'))).toBeOneOf([2, 3]);
    await http().get('/items/ttl-factory');
    expect(await rawStoreAccess(mc).ttl(await store.physicalKey('/items/ttl-factory'))).toBeOneOf([6, 7]);
  });

  it('does not cache POST, and subclasses override trackBy as with CacheInterceptor', async () => {
    await http().post('/items/9').expect(204);
    await http().post('/items/9').expect(204);
    expect(items.runs.get('post:9')).toBe(2);
    const tenant = app.get(TenantController);
    await http().get('/tenant').set('x-tenant', 'a');
    expect((await http().get('/tenant').set('x-tenant', 'a')).body).toEqual({ run: 1 });
    expect((await http().get('/tenant').set('x-tenant', 'b')).body).toEqual({ run: 2 });
    expect(tenant.runs).toBe(2);
    expect(await app.get<Cache>(CACHE_MANAGER).get('a:/tenant')).toEqual({ run: 1 });
  });

  it('caches URLs far over 250 bytes, each under its own key', async () => {
    const a = `/items/${'a'.repeat(400)}?q=${'x'.repeat(300)}`;
    const b = `/items/${'a'.repeat(400)}?q=${'y'.repeat(300)}`;
    // Both URLs run the same handler (same :id), so its run counter tells which response is whose.
    expect((await http().get(a)).body.run).toBe(1);
    expect((await http().get(a)).body.run).toBe(1);
    expect((await http().get(b)).body.run).toBe(2);
    expect((await http().get(b)).body.run).toBe(2);
    expect(await store.physicalKey(a)).toMatch(/^mci:#sha256:[A-Za-z0-9_-]{43}$/);
  });
});

describe('MemkitCacheInterceptor: one handler run per miss', () => {
  it('20 concurrent GETs on a cold URL run the handler once and all get its response', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => http().get('/items/slow/7')));
    expect(responses.map((r) => r.body)).toEqual(responses.map(() => ({ id: '7', run: 1 })));
    expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
    expect(items.runs.get('slow:7')).toBe(1);
  });

  it('a failing handler fails its requests with its own error and caches nothing', async () => {
    const responses = await Promise.all(Array.from({ length: 3 }, () => http().get('/items/missing/3')));
    for (const r of responses) expect(r.status).toBe(404);
    expect(await app.get<Cache>(CACHE_MANAGER).get('/items/missing/3')).toBeUndefined();
    const before = items.runs.get('missing:3') ?? 0;
    expect((await http().get('/items/missing/3')).status).toBe(404);
    expect(items.runs.get('missing:3')).toBe(before + 1);
  });

  it('never caches a StreamableFile', async () => {
    const body = async () => String((await http().get('/items/file').buffer(true)).body);
    expect(await body()).toBe('file body');
    expect(await body()).toBe('file body');
    expect(items.runs.get('file')).toBe(2);
  });

  it('@CacheStaleTTL: past the TTL, other clients get the old response while one request refreshes', async () => {
    expect((await http().get('/items/stale')).body).toEqual({ run: 1 });
    // Fresh for 1 s, then servable for 10 s more. Inside that window by memcached's own clock
    // (less than 10 of its 11 s left), with seconds to spare however loaded the machine is.
    const physical = await store.physicalKey('/items/stale');
    await expect
      .poll(async () => (await rawStoreAccess(mc).ttl(physical)) ?? 0, { timeout: 15_000, interval: 50 })
      .toBeLessThanOrEqual(9);
    let open!: () => void;
    items.staleGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const refresh = http()
      .get('/items/stale')
      .then((r) => r);
    await expect.poll(() => items.runs.get('stale'), { timeout: 10_000, interval: 5 }).toBe(2);
    // Another instance on the same memcached (its own client) gets the stale response meanwhile.
    const other = await otherApp();
    try {
      expect((await request(other.getHttpServer()).get('/items/stale')).body).toEqual({ run: 1 });
    } finally {
      await other.close();
    }
    // Only now may the refresh finish: the other instance was served while it was under way.
    open();
    expect((await refresh).body).toEqual({ run: 2 });
    expect((await http().get('/items/stale')).body).toEqual({ run: 2 });
  });
});

function otherApp(): Promise<INestApplication> {
  return testApp({ client: { servers: [mc.address] }, cache: 'mci', controllers: [ItemsController] });
}

describe('MemkitCacheInterceptor: outages and other stores', () => {
  it('runs the handler uncached while memcached is down', async () => {
    const down = await startMemcached({ memoryMb: 16 });
    const other = await testApp({
      client: { servers: [down.address], reconnectMaxDelay: 100 },
      controllers: [ItemsController],
    });
    const ctrl = other.get(ItemsController);
    try {
      await down.stop();
      for (let i = 0; i < 3; i++) await request(other.getHttpServer()).get('/items/5').expect(200);
      expect(ctrl.runs.get('item:5')).toBe(3);
    } finally {
      await other.close();
    }
  });

  it('without a memkit store it caches like CacheInterceptor (per process)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.register({ ttl: 60_000 })],
      controllers: [ItemsController],
    }).compile();
    const other = moduleRef.createNestApplication({ logger: false });
    await other.init();
    try {
      const ctrl = other.get(ItemsController);
      await request(other.getHttpServer()).get('/items/4').expect(200);
      expect((await request(other.getHttpServer()).get('/items/4')).body).toEqual({ id: '4', run: 1 });
      expect(ctrl.runs.get('item:4')).toBe(1);
    } finally {
      await other.close();
    }
  });
});
