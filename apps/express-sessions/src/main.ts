/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter express-sessions start` runs this file; the root demo
 * imports `startExpressSessions` from it.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemkitStore } from '@memkit/express-session';
import { createApp } from './app';

export { type AppOptions, createApp, DEFAULT_COOKIE_MAX_AGE_MS } from './app';

/** Options of {@link startExpressSessions}; each falls back to an environment variable. */
export interface StartOptions {
  /** HTTP port. Default `PORT`, else 3000 (or a free port when 3000 is taken); `0` picks a free one. */
  port?: number;
  /** HTTP interface. Default `HOST`, else `'127.0.0.1'`. */
  host?: string;
  /** memcached servers. Default `MEMCACHED_SERVERS` split on commas; when empty, an embedded @memkit/server. */
  servers?: string[];
  /** Cookie secret. Default `SESSION_SECRET`, else a fixed demo secret (every instance must share it). */
  secret?: string;
  /** Where the startup lines go. Default `console.log`; pass `() => {}` for silence. */
  log?: (line: string) => void;
}

/** A running app. */
export interface RunningApp {
  /** `http://host:port/`. */
  readonly url: string;
  readonly port: number;
  /** The memcached servers the sessions live on. */
  readonly servers: readonly string[];
  /** True when the app started its own embedded @memkit/server. */
  readonly embedded: boolean;
  readonly store: MemkitStore;
  /** Stops the HTTP server, the store's client and the embedded server. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 3000;
const DEMO_SECRET = 'memkit-demo-secret: set SESSION_SECRET in real deployments';

function parseServersEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string) {
  return new Promise<import('node:http').Server>((resolvePromise, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolvePromise(server));
    server.once('error', reject);
  });
}

/** Starts the app and prints its URL. */
export async function startExpressSessions(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const envPort = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  const explicitPort = options.port ?? envPort;
  let servers = options.servers ?? parseServersEnv(process.env.MEMCACHED_SERVERS);

  let embedded: Awaited<ReturnType<typeof import('@memkit/server').startServer>> | undefined;
  if (servers.length === 0) {
    // Loaded only when needed: with MEMCACHED_SERVERS set, the embedded server stays out of the process.
    const { startServer } = await import('@memkit/server');
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    servers = [embedded.address];
  }
  const store = new MemkitStore({ servers });
  let http: import('node:http').Server | undefined;
  try {
    const portLabel = explicitPort ?? DEFAULT_PORT;
    const app = createApp({
      store,
      secret: options.secret ?? process.env.SESSION_SECRET ?? DEMO_SECRET,
      instance: `${host}:${portLabel}`,
    });
    try {
      http = await listen(app, explicitPort ?? DEFAULT_PORT, host);
    } catch (err) {
      // Only the default port may move: a port you asked for fails loudly.
      if (explicitPort !== undefined || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      http = await listen(app, 0, host);
      log(`express-sessions: port ${DEFAULT_PORT} is taken, using a free port instead`);
    }
    const port = (http.address() as AddressInfo).port;
    app.locals.instance = `${host}:${port}`;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    log(`express-sessions: ${url}`);
    log(
      embedded
        ? `  sessions in an embedded @memkit/server at ${embedded.address} (set MEMCACHED_SERVERS to share them between instances)`
        : `  sessions in memcached at ${servers.join(', ')}`,
    );
    const server = http;
    return {
      url,
      port,
      servers,
      embedded: embedded !== undefined,
      store,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await store.close();
        await embedded?.close();
      },
    };
  } catch (err) {
    http?.close();
    await store.close();
    await embedded?.close();
    throw err;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href;
}

if (isMain()) {
  const running = await startExpressSessions();
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
