/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter express-sessions start` runs this file; the root demo
 * imports `startExpressSessions` from it.
 */
import type { AddressInfo } from 'node:net';
import { MemkitStore } from '@memkit/express-session';
import { choosePort, listenHttp, runWhenMain, startBackend, urlOf } from '@memkit/sample-kit';
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

/** Starts the app and prints its URL. */
export async function startExpressSessions(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const envPort = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  const explicitPort = options.port ?? envPort;
  const backend = await startBackend(options.servers);
  const { servers, embedded } = backend;
  const store = new MemkitStore({ servers });
  try {
    const port = await choosePort(explicitPort, DEFAULT_PORT, host, () =>
      log(`express-sessions: port ${DEFAULT_PORT} is taken, using a free port instead`),
    );
    const app = createApp({
      store,
      secret: options.secret ?? process.env.SESSION_SECRET ?? DEMO_SECRET,
      instance: `${host}:${port}`,
    });
    const http = await listenHttp(app, port, host);
    const actualPort = (http.address() as AddressInfo).port;
    app.locals.instance = `${host}:${actualPort}`;
    const url = urlOf(host, actualPort);
    log(`express-sessions: ${url}`);
    log(
      embedded
        ? `  sessions in an embedded @memkit/server at ${embedded.address} (set MEMCACHED_SERVERS to share them between instances)`
        : `  sessions in memcached at ${servers.join(', ')}`,
    );
    return {
      url,
      port: actualPort,
      servers,
      embedded: embedded !== undefined,
      store,
      async close() {
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        await store.close();
        await backend.close();
      },
    };
  } catch (err) {
    await store.close();
    await backend.close();
    throw err;
  }
}

await runWhenMain(import.meta.url, () => startExpressSessions());
