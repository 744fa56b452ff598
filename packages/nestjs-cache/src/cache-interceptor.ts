/**
 * `@memkit/nestjs/cache-interceptor`: `MemkitCacheInterceptor`, a drop-in for
 * `@nestjs/cache-manager`'s `CacheInterceptor` that computes each missing
 * response ONCE per cluster instead of once per process, and `@CacheStaleTTL`
 * for stale-while-revalidate. A separate entry point, so that
 * `@nestjs/cache-manager` stays an optional peer of `@memkit/nestjs`.
 *
 * It extends `CacheInterceptor`, so the key rules are Nest's own, not a copy:
 * `trackBy` (the request URL, or `@CacheKey`, a string or a factory),
 * `isRequestCacheable` (GET only, `allowedMethods`), `@CacheTTL` (handler,
 * then class; a number or a factory) and the `X-Cache: HIT | MISS` header.
 * Only the miss path differs: instead of "get, run the handler, set", it goes
 * through `wrap()` of `@memkit/keyv` on the memkit store behind
 * `CACHE_MANAGER`, where memcached elects one request in the whole cluster to
 * run the handler while the others wait for its response. The response is
 * stored as the same Keyv entry `CacheInterceptor` would store, under the
 * same key, so `cache.get(url)`, `cache.del(url)` and `cache.clear()` work on
 * it as before.
 */
import { memkitStoreOf, type WrappableKeyv, wrap } from '@memkit/keyv';
import {
  CACHE_MANAGER,
  CACHE_MODULE_OPTIONS,
  CACHE_TTL_METADATA,
  CacheInterceptor,
} from '@nestjs/cache-manager';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  Optional,
  SetMetadata,
  StreamableFile,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { lastValueFrom, type Observable, of, throwError } from 'rxjs';

/** Metadata key of {@link CacheStaleTTL}. */
export const CACHE_STALE_TTL_METADATA = 'memkit:cache_stale_ttl';

/** A duration in ms, or a factory of it, like `@CacheTTL`'s argument. */
export type DurationOrFactory = number | ((context: ExecutionContext) => number | Promise<number>);

/**
 * How long (ms) after its `@CacheTTL` a cached response may still be served
 * while ONE request in the cluster recomputes it (stale-while-revalidate).
 * On a handler or a controller class; read by {@link MemkitCacheInterceptor}.
 *
 * @example
 * @Get('search')
 * @CacheTTL(30_000)
 * @CacheStaleTTL(60_000) // for 60 s more, serve the old page while one request rebuilds it
 * search(@Query('q') q: string) {}
 */
export const CacheStaleTTL = (staleTtl: DurationOrFactory): MethodDecorator & ClassDecorator =>
  SetMetadata(CACHE_STALE_TTL_METADATA, staleTtl);

/** Thrown by the loader for a response that must not be cached (a stream): carries it out. */
class Uncacheable {
  constructor(readonly response: unknown) {}
}

const isNil = (v: unknown): v is null | undefined => v === null || v === undefined;

/**
 * `CacheInterceptor` with cluster-wide stampede protection. Use it wherever
 * you used `CacheInterceptor` (`@UseInterceptors(MemkitCacheInterceptor)`,
 * or `{ provide: APP_INTERCEPTOR, useClass: MemkitCacheInterceptor }`), with
 * `CacheModule` on `memkitCacheStore`. Subclasses may override `trackBy` and
 * `isRequestCacheable` exactly as with `CacheInterceptor`.
 *
 * Behaviour on a miss: one request in the cluster runs the handler; the
 * others (in this process and in every other process on the same memcached)
 * wait for its response and answer with it (`X-Cache: HIT`). A handler that
 * throws fails its own request, stores nothing, and the next waiting request
 * runs the handler. `StreamableFile` responses are never cached. When
 * memcached is unreachable, requests run their handler uncached, as with
 * `CacheInterceptor`. If `CACHE_MANAGER` has no memkit store, it behaves as
 * `CacheInterceptor` (per-process coalescing only) and logs a warning once.
 */
@Injectable()
export class MemkitCacheInterceptor extends CacheInterceptor {
  private static warned = false;
  private moduleTtl: { ttl?: number | undefined } | undefined;

  // Explicit @Inject: works without emitDecoratorMetadata (esbuild, tsx, vitest).
  constructor(
    @Inject(CACHE_MANAGER) cacheManager: unknown,
    @Inject(Reflector) reflector: Reflector,
    @Optional() @Inject(ModuleRef) private readonly moduleRef?: ModuleRef,
  ) {
    super(cacheManager, reflector);
  }

  /**
   * `CacheInterceptor.intercept` with the miss path going through the
   * cluster-wide `wrap()`: uncacheable requests pass through, hits answer
   * from memcached, and a miss runs the handler in one request of the cluster.
   */
  override async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const key = await this.trackBy(context);
    if (!key) return next.handle();
    const keyv = this.memkitKeyv();
    if (!keyv) return super.intercept(context, next);
    const ttl = (await this.duration(CACHE_TTL_METADATA, context)) ?? this.defaultTtl();
    const staleTtl = await this.duration(CACHE_STALE_TTL_METADATA, context);
    let ranHere = false;
    let produced: { response: unknown } | undefined;
    const load = async () => {
      ranHere = true;
      const response = await lastValueFrom(next.handle(), { defaultValue: undefined });
      produced = { response };
      if (response instanceof StreamableFile) throw new Uncacheable(response);
      return response;
    };
    try {
      const response = await wrap(keyv, key, load, {
        ...(isNil(ttl) ? {} : { ttl }),
        ...(isNil(staleTtl) ? {} : { staleTtl }),
      });
      this.setHeadersWhenHttp(context, ranHere ? undefined : true);
      return of(response);
    } catch (err) {
      if (!ranHere) {
        // memcached failed before any handler ran here, or a shared load of this process
        // failed or was a stream: answer with this request's own handler, uncached.
        this.setHeadersWhenHttp(context, undefined);
        return next.handle();
      }
      this.setHeadersWhenHttp(context, undefined);
      if (err instanceof Uncacheable) return of(err.response);
      if (produced === undefined) return throwError(() => err); // the handler failed
      Logger.error(
        `Could not cache the response for key "${String(key).slice(0, 200)}"`,
        (err as Error)?.stack,
        'MemkitCacheInterceptor',
      );
      return of(produced.response);
    }
  }

  /**
   * `CacheModule`'s `ttl`, which cache-manager applies when `CacheInterceptor`
   * passes none. Its options are not exported to the modules that use the
   * interceptor, so they are looked up across the application.
   */
  private defaultTtl(): number | undefined {
    if (this.moduleTtl === undefined) {
      let options: { ttl?: number } | undefined;
      try {
        options = this.moduleRef?.get<{ ttl?: number }>(CACHE_MODULE_OPTIONS, { strict: false });
      } catch {
        options = undefined; // no CacheModule options: no default TTL
      }
      this.moduleTtl = { ttl: options?.ttl };
    }
    return this.moduleTtl.ttl;
  }

  /** The first Keyv behind CACHE_MANAGER whose store is a `KeyvMemkit`, or undefined (warned once). */
  private memkitKeyv(): WrappableKeyv | undefined {
    const stores = (this.cacheManager as { stores?: unknown[] } | undefined)?.stores ?? [];
    for (const store of stores) {
      try {
        memkitStoreOf(store as WrappableKeyv);
        return store as WrappableKeyv;
      } catch {
        // not a memkit store: try the next one
      }
    }
    if (!MemkitCacheInterceptor.warned) {
      MemkitCacheInterceptor.warned = true;
      Logger.warn(
        'CACHE_MANAGER has no memkitCacheStore: caching like CacheInterceptor, without cluster-wide stampede protection',
        'MemkitCacheInterceptor',
      );
    }
    return undefined;
  }

  /** A duration from handler metadata, else class metadata (a number or a factory of the context). */
  private async duration(metadataKey: string, context: ExecutionContext): Promise<number | undefined> {
    const value: DurationOrFactory | undefined =
      this.reflector.get(metadataKey, context.getHandler()) ??
      this.reflector.get(metadataKey, context.getClass());
    if (isNil(value)) return undefined;
    return typeof value === 'function' ? value(context) : value;
  }
}
