/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter keyv-cache start` runs this file.
 */
import type { AddressInfo } from 'node:net';
import { createKeyv } from '@memkit/keyv';
import { choosePort, listenHttp, runWhenMain, startBackend, urlOf } from '@memkit/sample-kit';
import type { Keyv } from 'keyv';
import { createApp } from './app';

export { type AppOptions, type AppStats, createApp } from './app';
export { type CacheStatus, ReadThrough, type Served } from './read-through';

/** Options of {@link startKeyvCache}; each falls back to an environment variable. */
export interface StartOptions {
  /** HTTP port. Default `PORT`, else 3001 (or a free port when it is taken); `0` picks a free one. */
  port?: number;
  /** HTTP interface. Default `HOST`, else `'127.0.0.1'`. */
  host?: string;
  /** memcached servers. Default `MEMCACHED_SERVERS` split on commas; when empty, an embedded @memkit/server. */
  servers?: string[];
  /** Build time of the slow endpoint in ms. Default `SLOW_MS`, else 500. */
  slowMs?: number;
  /** Keyv namespace. Default `'keyv-cache'`. */
  namespace?: string;
  /** Where the startup and request lines go. Default `console.log`; pass `() => {}` for silence. */
  log?: (line: string) => void;
}

/** A running app. */
export interface RunningApp {
  /** `http://host:port/`. */
  readonly url: string;
  readonly port: number;
  readonly servers: readonly string[];
  /** True when the app started its own embedded @memkit/server. */
  readonly embedded: boolean;
  readonly keyv: Keyv;
  /** Stops the HTTP server, the cache's client and the embedded server. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 3001;

/** Starts the app and prints its URL. */
export async function startKeyvCache(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const envPort = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  const explicitPort = options.port ?? envPort;
  const slowMs = options.slowMs ?? (process.env.SLOW_MS ? Number(process.env.SLOW_MS) : 500);
  const started = await startBackend(options.servers);
  const { servers, embedded } = started;
  const keyv = createKeyv(servers, { namespace: options.namespace ?? 'keyv-cache' });
  // Keyv reports store failures as events; without a listener it would throw them.
  keyv.on('error', (err: unknown) => log(`keyv-cache: cache error: ${String(err)}`));
  const backend = embedded
    ? `an embedded @memkit/server (${embedded.address})`
    : `memcached ${servers.join(', ')}`;
  try {
    const { app } = createApp({
      keyv,
      slowMs,
      backend,
      log: (line) => log(`  ${line}`),
    });
    const port = await choosePort(explicitPort, DEFAULT_PORT, host, () =>
      log(`keyv-cache: port ${DEFAULT_PORT} is taken, using a free port instead`),
    );
    const http = await listenHttp(app, port, host);
    const actualPort = (http.address() as AddressInfo).port;
    const url = urlOf(host, actualPort);
    log(`keyv-cache: ${url}`);
    log(`  cache on ${backend}${embedded ? ' (set MEMCACHED_SERVERS to use real memcached)' : ''}`);
    return {
      url,
      port: actualPort,
      servers,
      embedded: embedded !== undefined,
      keyv,
      async close() {
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        await keyv.disconnect();
        await started.close();
      },
    };
  } catch (err) {
    await keyv.disconnect();
    await started.close();
    throw err;
  }
}

await runWhenMain(import.meta.url, () => startKeyvCache());
