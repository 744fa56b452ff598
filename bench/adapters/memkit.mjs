// Adapter: memkit (@memkit/client from this workspace; meta protocol,
// pipelined, multi-key get lines). Build it first: `pnpm --filter @memkit/client build`.
import { createRequire } from 'node:module';
import { Client } from '@memkit/client';

const require = createRequire(import.meta.url);
// For tuning runs only: BENCH_MEMKIT_CONNECTIONS=N measures connectionsPerServer: N
// (unset: the library default, 2).
const connections = process.env.BENCH_MEMKIT_CONNECTIONS
  ? Number(process.env.BENCH_MEMKIT_CONNECTIONS)
  : undefined;

export const meta = {
  name: 'memkit',
  package: '@memkit/client',
  version: require('@memkit/client/package.json').version,
  protocol: 'meta',
  tls: true,
  options: `library defaults (meta protocol, ${connections ?? 2} connection(s) per server), timeout 5s for c=512 on a busy 2-core box; maxValueSize raised for the large-value workloads only; nearCache on the skewed workload only, when this build has it`,
};

/**
 * Whether this build of the client takes `nearCache`. Accepting it proves
 * something only if the client refuses option names it does not know: a
 * build that ignores unknown options would "accept" it and run without.
 * @returns {true | string} true, or why the near cache stays off
 */
function nearCacheSupport(nearCache) {
  const tryOptions = (o) => {
    try {
      const c = new Client({ servers: ['127.0.0.1:1'], ...o });
      Promise.resolve(c.close()).catch(() => {});
      return null;
    } catch (e) {
      return e;
    }
  };
  if (!tryOptions({ benchUnknownOptionProbe: true }))
    return 'this @memkit/client build ignores unknown option names, so nearCache support cannot be detected';
  const refused = tryOptions({ nearCache });
  return refused ? `this @memkit/client build refuses nearCache (${refused.code ?? refused.message})` : true;
}

/**
 * @param {string[]} servers
 * @param {{ tls?: object, maxValueSize?: number, nearCache?: { maxBytes: number, maxAge: number } }} [opts]
 */
export async function create(servers, opts = {}) {
  const options = {
    servers,
    timeout: 5000,
    ...(connections === undefined ? {} : { connectionsPerServer: connections }),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.maxValueSize ? { maxValueSize: opts.maxValueSize } : {}),
  };
  const near = opts.nearCache ? nearCacheSupport(opts.nearCache) : null;
  const client = new Client(near === true ? { ...options, nearCache: opts.nearCache } : options);
  return {
    // what the skewed workload reports as the configuration that ran
    ...(near === true ? { nearCache: opts.nearCache } : near ? { nearCacheNote: near } : {}),
    // the near cache's counters (hits, fetches, revalidations, ...), for the skewed workload's report
    ...(near === true ? { nearCacheStats: () => client.nearCacheStats() } : {}),
    get: (key) => client.get(key),
    set: (key, value, ttl = 0) => client.set(key, value, { ttl }),
    getMulti: (keys) => client.getMulti(keys),
    delete: (key) => client.delete(key),
    // native read-through with stampede protection (workload i)
    getOrSet: (key, loader, ttl = 0) => client.getOrSet(key, loader, { ttl }),
    close: () => client.close(),
  };
}
