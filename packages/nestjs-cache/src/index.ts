/**
 * @memkit/nestjs: a NestJS module providing a memcached `Client`, and the
 * `@nestjs/cache-manager` store. The terminus health indicator lives in
 * `@memkit/nestjs/health`, so `@nestjs/terminus` stays optional.
 */
export { type MemkitCacheStore, type MemkitCacheStoreOptions, memkitCacheStore } from './cache-store';
export { InjectMemkit } from './inject';
export { MemkitModule } from './memkit.module';
export type {
  MemkitForRootAsyncOptions,
  MemkitForRootOptions,
  MemkitModuleExtras,
  MemkitModuleOptions,
} from './module-definition';
export { MEMKIT_CLIENT, MEMKIT_MODULE_OPTIONS } from './tokens';
