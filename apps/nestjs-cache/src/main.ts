/**
 * Starts the sample app: on the memcached servers in `MEMCACHED_SERVERS`
 * (comma-separated), or else on an embedded `@memkit/server`, and prints the
 * URL. `pnpm --filter nestjs-cache start` runs this file (built: Nest's
 * injection by type needs the decorator metadata swc emits).
 */
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MemkitServer } from '@memkit/server';
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

function parseServersEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function numberEnv(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen(port, host, () => probe.close(() => resolvePromise(true)));
  });
}

/** Starts the app and prints its URL. */
export async function startNestjsCache(options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const explicitPort = options.port ?? numberEnv('PORT');
  let servers = options.servers ?? parseServersEnv(process.env.MEMCACHED_SERVERS);

  let embedded: MemkitServer | undefined;
  if (servers.length === 0) {
    // Loaded only when needed: with MEMCACHED_SERVERS set, the embedded server stays out of the process.
    const { startServer } = await import('@memkit/server');
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    servers = [embedded.address];
  }
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(
      AppModule.forRoot({ servers, slowMs: options.slowMs ?? numberEnv('SLOW_MS') }),
      { logger: options.logLevels ?? ['error', 'warn'] },
    );
    // Only the default port may move: a port you asked for fails loudly. Probed first, because a
    // failed app.listen() logs a Nest ERROR line even when we recover from it.
    let port = explicitPort ?? DEFAULT_PORT;
    if (explicitPort === undefined && !(await portFree(port, host))) {
      port = 0;
      log(`nestjs-cache: port ${DEFAULT_PORT} is taken, using a free port instead`);
    }
    await app.listen(port, host);
    const address = app.getHttpServer().address() as import('node:net').AddressInfo;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`;
    log(`nestjs-cache: ${url}`);
    log(`  try ${url}products/1 (slow once, then from memcached), ${url}stats and ${url}health`);
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
        await embedded?.close();
      },
    };
  } catch (err) {
    await app?.close();
    await embedded?.close();
    throw err;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href;
}

if (isMain()) {
  const running = await startNestjsCache();
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
