/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter nestjs-cache start` runs this file (built: Nest's
 * injection by type needs the decorator metadata swc emits).
 */
import { choosePort, numberEnv, runWhenMain, startBackend, urlOf } from '@memkit/sample-kit';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

export { AppModule } from './app.module';
export { APP_OPTIONS, type AppOptions, CACHE_NAMESPACE } from './options';

/** Options of {@link startNestjsCache}; each falls back to an environment variable. */
export interface StartOptions {
  /** HTTP port. Default `PORT`, else 3000 (or a free port when 3000 is taken); `0` picks a free one. */
  port?: number;
  /** HTTP interface. Default `HOST`, else `'127.0.0.1'`. */
  host?: string;
  /** memcached servers. Default `MEMCACHED_SERVERS` split on commas; when empty, an embedded @memkit/server. */
  servers?: string[];
  /** Delay of a product lookup (a cache miss), in ms. Default `SLOW_MS`, else 500. */
  slowMs?: number;
  /** Where the startup lines go. Default `console.log`; pass `() => {}` for silence. */
  log?: (line: string) => void;
  /** Nest's log levels. Default `['error', 'warn']`. */
  logLevels?: LogLevel[];
}

/** A running app. */
export interface RunningApp {
  /** `http://host:port/`. */
  readonly url: string;
  readonly port: number;
  /** The memcached servers the cache lives on. */
  readonly servers: readonly string[];
  /** True when the app started its own embedded @memkit/server. */
  readonly embedded: boolean;
  readonly app: INestApplication;
  /** Closes the Nest app (and with it the memcached client), then the embedded server. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 3000;

/** Starts the app and prints its URL. */
export async function startNestjsCache(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const explicitPort = options.port ?? numberEnv('PORT');
  const backend = await startBackend(options.servers);
  const { servers, embedded } = backend;
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(
      AppModule.forRoot({ servers, slowMs: options.slowMs ?? numberEnv('SLOW_MS'), log }),
      { logger: options.logLevels ?? ['error', 'warn'] },
    );
    const port = await choosePort(explicitPort, DEFAULT_PORT, host, () =>
      log(`nestjs-cache: port ${DEFAULT_PORT} is taken, using a free port instead`),
    );
    await app.listen(port, host);
    const address = app.getHttpServer().address() as import('node:net').AddressInfo;
    const url = urlOf(host, address.port);
    log(`nestjs-cache: ${url}`);
    log(`  try ${url}products/1 (slow once, then from memcached), ${url}stats and ${url}health`);
    log(
      `  and ${url}products/search?q=espresso (any query length; one search per cold query across instances)`,
    );
    log(
      embedded
        ? `  cache in an embedded @memkit/server at ${embedded.address} (set MEMCACHED_SERVERS to use memcached)`
        : `  cache in memcached at ${servers.join(', ')}`,
    );
    const running = app;
    return {
      url,
      port: address.port,
      servers,
      embedded: embedded !== undefined,
      app: running,
      async close() {
        await running.close();
        await backend.close();
      },
    };
  } catch (err) {
    await app?.close();
    await backend.close();
    throw err;
  }
}

await runWhenMain(import.meta.url, () => startNestjsCache());
