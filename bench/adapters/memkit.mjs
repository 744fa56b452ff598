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
  options: `library defaults (meta protocol, ${connections ?? 2} connection(s) per server), timeout 5s for c=512 on a busy 2-core box`,
};

export async function create(servers) {
  const client = new Client({
    servers,
    timeout: 5000,
    ...(connections === undefined ? {} : { connectionsPerServer: connections }),
  });
  return {
    get: (key) => client.get(key),
    set: (key, value, ttl = 0) => client.set(key, value, { ttl }),
    getMulti: (keys) => client.getMulti(keys),
    delete: (key) => client.delete(key),
    // native read-through with stampede protection (workload i)
    getOrSet: (key, loader, ttl = 0) => client.getOrSet(key, loader, { ttl }),
    close: () => client.close(),
  };
}
