/**
 * The root module: configuration, the memcached client (`MemkitModule`), the
 * cache on memcached (`CacheModule` + `memkitCacheStore`) and terminus.
 */
import type { Client } from '@memkit/client';
import { MEMKIT_CLIENT, MemkitModule, memkitCacheStore } from '@memkit/nestjs';
import { MemkitHealthIndicator } from '@memkit/nestjs/health';
import { CacheModule } from '@nestjs/cache-manager';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { APP_OPTIONS, type AppOptions, CACHE_NAMESPACE } from './options';
import { ProductsController } from './products/products.controller';
import { ProductsService } from './products/products.service';
import { StatsController } from './stats.controller';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory.
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // A nested key, so a MEMCACHED_SERVERS in the environment cannot shadow the resolved list.
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ memcached: { servers: options.servers } })],
        }),
        MemkitModule.forRootAsync({
          isGlobal: true,
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            servers: config.getOrThrow<string[]>('memcached.servers'),
            timeout: 500,
          }),
        }),
        CacheModule.registerAsync({
          isGlobal: true,
          inject: [MEMKIT_CLIENT],
          // The store shares MemkitModule's client; MemkitModule closes it on shutdown.
          useFactory: (client: Client) => ({
            stores: [memkitCacheStore(client, { namespace: CACHE_NAMESPACE })],
            ttl: 60_000,
          }),
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [ProductsController, StatsController, HealthController],
      providers: [{ provide: APP_OPTIONS, useValue: options }, ProductsService, MemkitHealthIndicator],
    };
  }
}
