// Adapter: memcache (jaredwray, TypeScript, ASCII protocol, one socket per
// node, writes corked per tick since its 2026 hardening; the engine of
// @keyv/memcache). Values are strings only; getMulti uses its multi-key
// `gets(keys)` (a Map of hits).
//
// create() connects first, as most of the library's README examples do:
// without it, concurrent first calls each open a socket of their own (a cold
// burst of 2,000 gets opened ~900), and replies get lost. The cold-burst
// workload passes `coldStart: true` to measure exactly that first burst.
import { createRequire } from 'node:module';
import { Memcache } from 'memcache';

const require = createRequire(import.meta.url);

export const meta = {
  name: 'memcache',
  package: 'memcache (jaredwray)',
  version: require('memcache/package.json').version,
  protocol: 'ascii',
  tls: true,
  options:
    'timeout 5000 ms, library defaults otherwise (1 socket per node), connect() in create() except for the cold burst; maxValueSize raised for the large-value workloads only',
};

/**
 * @param {string[]} servers
 * @param {{ tls?: import('node:tls').ConnectionOptions, maxValueSize?: number, coldStart?: boolean }} [opts]
 */
export async function create(servers, opts = {}) {
  const client = new Memcache({
    nodes: servers,
    timeout: 5000,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.maxValueSize ? { maxValueSize: opts.maxValueSize } : {}),
  });
  if (!opts.coldStart) await client.connect();
  return {
    get: (key) => client.get(key), // string, or undefined on a miss
    set: (key, value, ttl = 0) =>
      client.set(key, typeof value === 'string' ? value : Buffer.from(value).toString('latin1'), ttl),
    async getMulti(keys) {
      const m = await client.gets(keys);
      const out = {};
      for (const [k, v] of m) out[k] = v;
      return out;
    },
    delete: (key) => client.delete(key),
    close: () => client.quit(),
  };
}
