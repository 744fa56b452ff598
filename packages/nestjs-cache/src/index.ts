/**
 * @memkit/nestjs: a NestJS module providing a memcached `Client`, and the
 * `@nestjs/cache-manager` store, and `@MemkitCached` for service methods. The
 * terminus health indicator lives in `@memkit/nestjs/health` and
 * `MemkitCacheInterceptor` in `@memkit/nestjs/cache-interceptor`, so
 * `@nestjs/terminus` and `@nestjs/cache-manager` stay optional.
 */
export { type MemkitCacheStore, type MemkitCacheStoreOptions, memkitCacheStore } from './cache-store';
export { MemkitCached, type MemkitCachedOptions } from './cached';
export { InjectMemkit } from './inject';
export { MemkitModule } from './memkit.module';
export type {
  MemkitForRootAsyncOptions,
  MemkitForRootOptions,
  MemkitModuleExtras,
  MemkitModuleOptions,
} from './module-definition';
export { MEMKIT_CLIENT, MEMKIT_MODULE_OPTIONS } from './tokens';
