/**
 * What every memkit sample app does to start: find memcached
 * (`MEMCACHED_SERVERS`, else an in-process @memkit/server), pick its port
 * (the default moves to a free one when taken; a port you asked for never
 * moves), and run itself when executed directly, stopping on SIGINT/SIGTERM.
 */
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MemkitServer } from '@memkit/server';
import { startTelemetry } from './telemetry';

export { startTelemetry, TELEMETRY_MODES, type Telemetry } from './telemetry';

/** Where the app's data lives. */
export interface Backend {
  /** memcached addresses for the client. */
  servers: string[];
  /** The in-process server, when no servers were given. */
  embedded: MemkitServer | undefined;
  /** Stops the embedded server, if any. */
  close(): Promise<void>;
}

/** Splits a comma-separated server list (`MEMCACHED_SERVERS`), ignoring blanks. */
export function parseServerList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `servers`, else `MEMCACHED_SERVERS`, else a fresh in-process @memkit/server. */
export async function startBackend(servers?: readonly string[]): Promise<Backend> {
  const list = servers ? [...servers] : parseServerList(process.env.MEMCACHED_SERVERS);
  if (list.length > 0) return { servers: list, embedded: undefined, close: async () => {} };
  // Loaded only when needed: with MEMCACHED_SERVERS set, the embedded server stays out of the process.
  const { startServer } = await import('@memkit/server');
  const embedded = await startServer({ port: 0, host: '127.0.0.1' });
  return { servers: [embedded.address], embedded, close: () => embedded.close() };
}

/** A number from the environment, or undefined when unset or empty. */
export function numberEnv(name: string): number | undefined {
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

/**
 * The port to listen on: `explicitPort` as given (it fails loudly if taken),
 * else `defaultPort`, or 0 (a free port) when the default is taken, after
 * calling `onFallback`. Probed first, because some frameworks log an error
 * line for a failed listen even when the caller recovers.
 */
export async function choosePort(
  explicitPort: number | undefined,
  defaultPort: number,
  host: string,
  onFallback: () => void,
): Promise<number> {
  if (explicitPort !== undefined) return explicitPort;
  if (await portFree(defaultPort, host)) return defaultPort;
  onFallback();
  return 0;
}

/** Anything with Node's `listen(port, host)` returning an http.Server (an Express app). */
export interface Listenable {
  listen(port: number, host: string): Server;
}

/** Listens and resolves once listening (rejects on a listen error such as EADDRINUSE). */
export function listenHttp(app: Listenable, port: number, host: string): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolvePromise(server));
    server.once('error', reject);
  });
}

/** `http://host:port/`, with IPv6 hosts in brackets. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/**
 * Runs `start` when the module at `moduleUrl` (its `import.meta.url`) is the
 * process entry point, and closes what it returned on SIGINT/SIGTERM. With
 * `MEMKIT_OTEL=console`, OpenTelemetry traces and metrics go to stdout (see
 * `startTelemetry`), flushed after the app closed.
 */
export async function runWhenMain(
  moduleUrl: string,
  start: () => Promise<{ close(): Promise<void> }>,
): Promise<void> {
  const entry = process.argv[1];
  if (entry === undefined || moduleUrl !== pathToFileURL(resolve(entry)).href) return;
  const telemetry = await startTelemetry();
  const running = await start();
  const stop = (): void => {
    running
      .close()
      .then(() => telemetry?.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
