/**
 * `@MemkitCached` in one process: bound by `MemkitModule` at init, one method
 * run for concurrent misses, the key (given, computed or default) and TTL as
 * memcached sees them, failures that cache nothing, option checks, and
 * instances outside Nest running uncached. Across processes:
 * cache-interceptor-processes.test.ts.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MemcachedInstance, rawCommand, startMemcached } from '@memkit/testing';
import { Controller, Get, type INestApplication, Inject, Injectable, Param } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemkitCached } from '../src/index';
import { testApp } from './apps';

@Injectable()
class CatalogService {
  runs = 0;

  @MemkitCached({ ttl: 30_000, key: (id: string) => `product ${id}` })
  async product(id: string): Promise<{ id: string; run: number }> {
    await sleep(150);
    return { id, run: ++this.runs };
  }

  @MemkitCached({ ttl: 10_000 })
  async search(q: string, page: number): Promise<string[]> {
    this.runs++;
    return [`${q}#${page}`];
  }

  @MemkitCached({ ttl: 10_000, key: 'always-fails' })
  async broken(): Promise<never> {
    this.runs++;
    throw new Error('backend down');
  }
}

@Controller('catalog')
class CatalogController {
  constructor(@Inject(CatalogService) private readonly catalog: CatalogService) {}

  @Get(':id')
  get(@Param('id') id: string) {
    return this.catalog.product(id);
  }
}

let mc: MemcachedInstance;
let app: INestApplication;
let catalog: CatalogService;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  app = await testApp({
    client: { servers: [mc.address], keyPrefix: 'app:' },
    cache: false,
    controllers: [CatalogController],
    providers: [CatalogService],
  });
  catalog = app.get(CatalogService);
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

/** `mg <key> t v` over a raw socket. */
async function raw(key: string): Promise<string> {
  return rawCommand(mc, `mg ${key} t v\r\n`);
}

describe('@MemkitCached', () => {
  it('runs the method once for concurrent calls and stores the result under its key (any string) and TTL', async () => {
    const before = catalog.runs;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? catalog.product('espresso machine')
          : request(app.getHttpServer())
              .get('/catalog/espresso machine')
              .then((r) => r.body),
      ),
    );
    expect(catalog.runs).toBe(before + 1);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    // 'app:product espresso machine' has a space: stored as a binary key (raw bytes, base64 on the wire).
    const token = Buffer.from('app:product espresso machine').toString('base64');
    expect(await rawCommand(mc, `mg ${token} b t\r\n`)).toMatch(/^HD t(29|30)\r\n$/);
  });

  it('keys by class, method and JSON arguments by default', async () => {
    expect(await catalog.search('grinder', 2)).toEqual(['grinder#2']);
    const runs = catalog.runs;
    expect(await catalog.search('grinder', 2)).toEqual(['grinder#2']);
    expect(catalog.runs).toBe(runs);
    expect(await raw('app:CatalogService.search:["grinder",2]')).toMatch(
      /^VA \d+ t(9|10)\r\n\["grinder#2"\]/,
    );
  });

  it('a key too long for memcached takes the digest form under the client prefix', async () => {
    const id = 'x'.repeat(300);
    await catalog.product(id);
    const digest = createHash('sha256').update(`app:product ${id}`).digest('base64url');
    expect(await raw(`app:#sha256:${digest}`)).toMatch(/^VA /);
  });

  it('a method that throws rejects each call and caches nothing', async () => {
    const runs = catalog.runs;
    await expect(catalog.broken()).rejects.toThrow('backend down');
    await expect(catalog.broken()).rejects.toThrow('backend down');
    expect(catalog.runs).toBe(runs + 2);
    expect(await raw('app:always-fails')).toBe('EN\r\n');
  });

  it('an instance Nest did not create runs uncached', async () => {
    const loose = new CatalogService();
    await loose.search('a', 1);
    await loose.search('a', 1);
    expect(loose.runs).toBe(2);
  });

  it('refuses bad options when the class is defined', () => {
    expect(() => MemkitCached({ ttl: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => MemkitCached({ ttl: 1000, staleTtl: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => MemkitCached({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('runs the method uncached when memcached is down', async () => {
    const down = await startMemcached({ memoryMb: 16 });
    const other = await testApp({
      client: { servers: [down.address], reconnectMaxDelay: 100 },
      cache: false,
      providers: [CatalogService],
    });
    try {
      const service = other.get(CatalogService);
      await down.stop();
      expect(await service.search('q', 1)).toEqual(['q#1']);
      expect(await service.search('q', 1)).toEqual(['q#1']);
      expect(service.runs).toBe(2);
    } finally {
      await other.close();
    }
  });
});
