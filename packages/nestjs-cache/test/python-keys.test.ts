/**
 * The README's Python snippet, run as written (the first ```python block of
 * README.md) under the system Python with python-memcached: it must find a
 * route cached by `MemkitCacheInterceptor` (long URL, URL with spaces) and a
 * `@MemkitCached` result, as a Python service sharing the memcached would.
 */
import {
  type MemcachedInstance,
  readmePython,
  requirePythonMemcache,
  runPython,
  startMemcached,
} from '@memkit/testing';
import { Controller, Get, type INestApplication, Injectable, Query, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemkitCacheInterceptor } from '../src/cache-interceptor';
import { MemkitCached } from '../src/index';
import { testApp } from './apps';

const SNIPPET = readmePython(new URL('../README.md', import.meta.url));

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
  app = await testApp({
    client: { servers: [mc.address], keyPrefix: 'app:' },
    controllers: [SearchController],
    providers: [RatesService],
  });
});
afterAll(async () => {
  await app?.close();
  await mc?.stop();
});

describe("the README's Python snippet", () => {
  it('finds cached routes and @MemkitCached results with python-memcached', async () => {
    expect(SNIPPET).toContain('def keyv_key(');
    requirePythonMemcache();
    const urls = [`/search?q=${'espresso-'.repeat(40)}`, '/search?q=milk', '/search?q=caf%C3%A9'];
    for (const url of urls) await request(app.getHttpServer()).get(url).expect(200);
    await app.get(RatesService).rate('EUR');
    const out = runPython<unknown>(
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
      { port: mc.port, urls },
    );
    expect(out).toEqual({
      routes: [
        { q: 'espresso-'.repeat(40), hits: [1, 2, 3] },
        { q: 'milk', hits: [1, 2, 3] },
        { q: 'café', hits: [1, 2, 3] },
      ],
      rate: { currency: 'EUR', rate: 1.5 },
    });
  });
});
