// @memkit/nestjs in a NestJS application context: MemkitModule's injectable client (by token and
// through @InjectMemkit), the @nestjs/cache-manager store (a value written by one application is
// read by the next, so it lives in memcached) and the terminus health indicator.
// Plain JavaScript has no decorator syntax, so the decorators are applied as the functions they are.
import assert from 'node:assert/strict';
import { TIMEOUTS } from './timeouts.mjs';

async function loadNest(load) {
  await load('reflect-metadata');
  return {
    common: await load('@nestjs/common'),
    core: await load('@nestjs/core'),
    cacheManager: await load('@nestjs/cache-manager'),
    terminus: await load('@nestjs/terminus'),
    memkit: await load('@memkit/nestjs'),
    health: await load('@memkit/nestjs/health'),
    client: await load('@memkit/client'),
  };
}

function defineApp(nest, memcached, namespace) {
  const { Injectable, Module } = nest.common;
  const { MemkitModule, InjectMemkit, MEMKIT_CLIENT, memkitCacheStore } = nest.memkit;

  class CounterService {
    constructor(client) {
      this.client = client;
    }
  }
  Injectable()(CounterService);
  InjectMemkit()(CounterService, undefined, 0);

  class AppModule {}
  Module({
    imports: [
      MemkitModule.forRoot({ servers: [memcached], ...TIMEOUTS, isGlobal: true }),
      nest.cacheManager.CacheModule.registerAsync({
        isGlobal: true,
        inject: [MEMKIT_CLIENT],
        useFactory: (client) => ({ stores: [memkitCacheStore(client, { namespace })], ttl: 60_000 }),
      }),
      nest.terminus.TerminusModule,
    ],
    providers: [CounterService, nest.health.MemkitHealthIndicator],
  })(AppModule);
  return { AppModule, CounterService };
}

export async function nestScenario({ load, memcached, prefix }) {
  const nest = await loadNest(load);
  const { AppModule, CounterService } = defineApp(nest, memcached, `${prefix}-cache`);
  const { NestFactory } = nest.core;
  const { CACHE_MANAGER } = nest.cacheManager;

  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  let health;
  try {
    const client = app.get(nest.memkit.MEMKIT_CLIENT);
    assert.ok(client instanceof nest.client.Client, 'MEMKIT_CLIENT is a @memkit/client Client');
    assert.equal(app.get(CounterService).client, client, '@InjectMemkit() injects the same client');
    await client.set(`${prefix}:direct`, 'from nest');
    assert.equal(await client.get(`${prefix}:direct`), 'from nest');

    const cache = app.get(CACHE_MANAGER);
    await cache.set('product:1', { name: 'lamp' }, 60_000);
    assert.deepEqual(await cache.get('product:1'), { name: 'lamp' });

    health = await app
      .get(nest.health.MemkitHealthIndicator)
      .isHealthy('memcached', { timeout: TIMEOUTS.timeout });
    assert.equal(health.memcached.status, 'up', JSON.stringify(health));
  } finally {
    await app.close();
  }

  // A second application (new client, new store) reads what the first one cached.
  const again = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  try {
    const cache = again.get(CACHE_MANAGER);
    assert.deepEqual(await cache.get('product:1'), { name: 'lamp' }, 'the cached value is in memcached');
    assert.equal(await cache.del('product:1'), true);
    assert.equal(await cache.get('product:1'), undefined);
  } finally {
    await again.close();
  }
  return { health: health.memcached.status };
}
