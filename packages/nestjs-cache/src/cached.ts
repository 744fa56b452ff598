/**
 * `@MemkitCached()`: caches a service method's result in memcached, computed
 * ONCE per cluster on a miss (the client's `getOrSet`: memcached elects one
 * caller among every process to run the method; the others wait for its
 * result). The decorator wraps the method when the class is defined; the
 * `MemkitModule` binds each provider and controller instance that has such
 * methods to its client when the module initialises (cached-explorer.ts).
 */
import { type Client, MemkitError } from '@memkit/client';
import { Logger } from '@nestjs/common';

/** Options of {@link MemkitCached}; durations in milliseconds, as everywhere in Nest. */
export interface MemkitCachedOptions {
  /** How long a result stays fresh, in ms. `0`: no expiry. */
  ttl: number;
  /**
   * How long past `ttl` the old result may still be returned while ONE
   * caller in the cluster recomputes it (stale-while-revalidate). Default 0.
   */
  staleTtl?: number;
  /**
   * The cache key: a string, or a function of the method's arguments. Any
   * string works (it is mapped like every adapter key). Default:
   * `ClassName.method:` followed by the arguments as JSON.
   */
  key?: string | ((...args: never[]) => string);
  /** How long the elected caller may take before another may take over, in ms. Default 30 000. */
  lockTtl?: number;
  /** Longest wait for another caller's result before computing it here (uncached), in ms. Default 5000. */
  waitTimeout?: number;
}

/** Instances bound by the module to the client view their cached methods use. */
const bindings = new WeakMap<object, Client>();
/** Marks prototypes that declare cached methods (a symbol, so two copies of this package agree). */
const HAS_CACHED = Symbol.for('memkit.nestjs.cached');

/** @internal Whether `instance`'s class (or a parent) has `@MemkitCached` methods. */
export function hasCachedMethods(instance: object): boolean {
  return (instance as Record<symbol, unknown>)[HAS_CACHED] === true;
}

/** @internal Binds `instance`'s cached methods to `client` (a view with `keyMapping: 'auto'`). */
export function bindCachedMethods(instance: object, client: Client): void {
  bindings.set(instance, client);
}

const warned = new Set<string>();
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Caches the decorated method's result in memcached through `MemkitModule`'s
 * client, with cluster-wide stampede protection. The method then always
 * returns a Promise. A method that throws fails its own call and caches
 * nothing; when memcached is unreachable the method runs uncached. Results
 * are stored with the client's serializer (strings, numbers, Buffers, JSON).
 *
 * Active once `MemkitModule` has initialised, on singleton providers and
 * controllers (request-scoped instances run uncached, with a warning once).
 *
 * @example
 * @Injectable()
 * export class RatesService {
 *   @MemkitCached({ ttl: 60_000, staleTtl: 30_000, key: (currency: string) => `rate:${currency}` })
 *   async rate(currency: string): Promise<number> { return fetchRate(currency); }
 * }
 */
export function MemkitCached(options: MemkitCachedOptions): MethodDecorator {
  for (const name of ['ttl', 'staleTtl', 'lockTtl', 'waitTimeout'] as const) {
    const v = options?.[name];
    if ((v !== undefined || name === 'ttl') && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new MemkitError('ERR_INVALID_ARGUMENT', `@MemkitCached: ${name} must be a number of ms >= 0`);
    }
  }
  const { ttl } = options;
  const stale = ttl > 0 && options.staleTtl !== undefined ? options.staleTtl : 0;
  return (target, propertyKey, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    const name = `${(target as { constructor: { name: string } }).constructor.name}.${String(propertyKey)}`;
    Object.defineProperty(target, HAS_CACHED, { value: true, enumerable: false, configurable: true });
    descriptor.value = async function cached(this: object, ...args: unknown[]) {
      const client = bindings.get(this);
      if (!client) {
        if (!warned.has(name)) {
          warned.add(name);
          Logger.warn(`${name} runs uncached: its instance is not bound by MemkitModule`, 'MemkitCached');
        }
        return original.apply(this, args);
      }
      const key =
        typeof options.key === 'function'
          ? (options.key as (...a: unknown[]) => string)(...args)
          : (options.key ?? `${name}:${JSON.stringify(args)}`);
      let ranHere = false;
      let produced: { value: unknown } | undefined;
      const load = async () => {
        ranHere = true;
        const value = await original.apply(this, args);
        produced = { value };
        return value;
      };
      try {
        return await client.getOrSet(key, load, {
          ttl: ttl > 0 ? seconds(ttl + stale) : 0,
          ...(stale > 0 ? { staleTtl: seconds(stale) } : {}),
          ...(options.lockTtl === undefined ? {} : { lockTtl: seconds(options.lockTtl) }),
          ...(options.waitTimeout === undefined ? {} : { waitTimeout: options.waitTimeout }),
        });
      } catch (err) {
        if (!ranHere) return original.apply(this, args); // memcached failed before the method ran
        if (produced === undefined) throw err; // the method failed
        Logger.error(`${name}: could not cache the result: ${String(err)}`, undefined, 'MemkitCached');
        return produced.value;
      }
    };
    return descriptor;
  };
}
