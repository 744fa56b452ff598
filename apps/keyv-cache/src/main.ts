/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter keyv-cache start` runs this file.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKeyv, type KeyvMemkit } from '@memkit/keyv';
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

function parseServersEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function listen(app: ReturnType<typeof createApp>['app'], port: number, host: string) {
  return new Promise<import('node:http').Server>((resolvePromise, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolvePromise(server));
    server.once('error', reject);
  });
}

/** Starts the app and prints its URL. */
export async function startKeyvCache(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const envPort = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  const explicitPort = options.port ?? envPort;
  const slowMs = options.slowMs ?? (process.env.SLOW_MS ? Number(process.env.SLOW_MS) : 500);
  let servers = options.servers ?? parseServersEnv(process.env.MEMCACHED_SERVERS);

  let embedded: Awaited<ReturnType<typeof import('@memkit/server').startServer>> | undefined;
  if (servers.length === 0) {
    // Loaded only when needed: with MEMCACHED_SERVERS set, the embedded server stays out of the process.
    const { startServer } = await import('@memkit/server');
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    servers = [embedded.address];
  }
  const keyv = createKeyv(servers, { namespace: options.namespace ?? 'keyv-cache' });
  // Keyv reports store failures as events; without a listener it would throw them.
  keyv.on('error', (err: unknown) => log(`keyv-cache: cache error: ${String(err)}`));
  const backend = embedded
    ? `an embedded @memkit/server (${embedded.address})`
    : `memcached ${servers.join(', ')}`;
  let http: import('node:http').Server | undefined;
  try {
    const { app } = createApp({
      keyv,
      client: (keyv.store as unknown as KeyvMemkit).client,
      slowMs,
      backend,
      log: (line) => log(`  ${line}`),
    });
    try {
      http = await listen(app, explicitPort ?? DEFAULT_PORT, host);
    } catch (err) {
      // Only the default port may move: a port you asked for fails loudly.
      if (explicitPort !== undefined || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      http = await listen(app, 0, host);
      log(`keyv-cache: port ${DEFAULT_PORT} is taken, using a free port instead`);
    }
    const port = (http.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    log(`keyv-cache: ${url}`);
    log(`  cache on ${backend}${embedded ? ' (set MEMCACHED_SERVERS to use real memcached)' : ''}`);
    const server = http;
    return {
      url,
      port,
      servers,
      embedded: embedded !== undefined,
      keyv,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await keyv.disconnect();
        await embedded?.close();
      },
    };
  } catch (err) {
    http?.close();
    await keyv.disconnect();
    await embedded?.close();
    throw err;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href;
}

if (isMain()) {
  const running = await startKeyvCache();
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
