/**
 * The README's Python snippet, run as written (the first ```python block of
 * README.md) under the system Python with python-memcached: it must find a
 * route cached by `MemkitCacheInterceptor` (long URL, URL with spaces) and a
 * `@MemkitCached` result, as a Python service sharing the memcached would.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, type INestApplication, Injectable, Query, UseInterceptors } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemkitCacheInterceptor } from '../src/cache-interceptor';
import { MEMKIT_CLIENT, MemkitCached, MemkitModule, memkitCacheStore } from '../src/index';

const PYTHON = '/usr/bin/python3';
const SNIPPET = /```python\n([\s\S]*?)```/.exec(
  readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
)?.[1];

@Injectable()
class RatesService {
  @MemkitCached({ ttl: 60_000, key: (currency: string) => `rate ${currency}` })
  async rate(currency: string) {
    return { currency, rate: 1.5 };
  }
}

@Controller()
@UseInterceptors(MemkitCacheInterceptor)
class SearchController {
  @Get('search')
  search(@Query('q') q: string) {
    return { q, hits: [1, 2, 3] };
  }
}

let mc: MemcachedInstance;
let app: INestApplication;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MemkitModule.forRoot({ servers: [mc.address], isGlobal: true, keyPrefix: 'app:' }),
      CacheModule.registerAsync({
        inject: [MEMKIT_CLIENT],
        useFactory: (client: Client) => ({ stores: [memkitCacheStore(client)], ttl: 60_000 }),
      }),
    ],
    controllers: [SearchController],
    providers: [RatesService],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

describe("the README's Python snippet", () => {
  it('finds cached routes and @MemkitCached results with python-memcached', async () => {
    expect(SNIPPET).toContain('def keyv_key(');
    try {
      execFileSync(PYTHON, ['-c', 'import memcache'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${PYTHON} with python3-memcache is needed: apt-get install -y python3-memcache`);
    }
    const urls = [`/search?q=${'espresso-'.repeat(40)}`, '/search?q=milk', '/search?q=caf%C3%A9'];
    for (const url of urls) await request(app.getHttpServer()).get(url).expect(200);
    await app.get(RatesService).rate('EUR');
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        `${SNIPPET}
import sys, memcache
job = json.load(sys.stdin)
address = ('127.0.0.1', job['port'])
mc = memcache.Client(['127.0.0.1:%d' % job['port']])
routes = []
for url in job['urls']:
    kind, k = keyv_key(mc, url, key_prefix='app:')
    text = mc.get(k) if kind == 'text' else meta_get(address, k)
    routes.append(json.loads(text)['value'])
kind, k = memkit_key('rate EUR', prefix='app:')
rate = json.loads(meta_get(address, k if kind == 'binary' else k.encode('utf-8')))
print(json.dumps({'routes': routes, 'rate': rate}))
`,
      ],
      { input: JSON.stringify({ port: mc.port, urls }), encoding: 'utf8', timeout: 60_000 },
    );
    expect(JSON.parse(out)).toEqual({
      routes: [
        { q: 'espresso-'.repeat(40), hits: [1, 2, 3] },
        { q: 'milk', hits: [1, 2, 3] },
        { q: 'café', hits: [1, 2, 3] },
      ],
      rate: { currency: 'EUR', rate: 1.5 },
    });
  });
});
