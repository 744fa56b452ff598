/**
 * `startServer`: listens on TCP, enforces the connection limit the way
 * memcached does (an error line, then close), and owns the shared state:
 * store, counters, clock, settings and the live connections.
 */
import { createServer, type Socket } from 'node:net';
import { type ClusterConfig, MemkitError } from '@memkit/protocol';
import { ClusterConfigState, type ClusterNodeSpec } from './cluster-config';
import { Connection, formatAddress } from './connection';
import type { ServerState, Settings } from './context';
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options';
import { Counters } from './stats/counters';
import { generalStats } from './stats/report';
import { Clock } from './store/clock';
import { SlabClasses } from './store/slabs';
import { Store } from './store/store';
import { SERVER_VERSION } from './version';

/** The general `stats` values, keyed by memcached's stat names (numbers where numeric). */
export type ServerStats = Readonly<Record<string, number | string>>;

/** A running memkit-server. */
export interface MemkitServer {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  /** The interface it listens on. */
  readonly host: string;
  /** `'host:port'` (IPv6 hosts in brackets), ready for a client's server list. */
  readonly address: string;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
  /** The general statistics, as `stats` reports them. */
  stats(): ServerStats;
  /** The configuration `config get cluster` publishes, or `undefined` when not a configuration endpoint. */
  clusterConfig(): ClusterConfig | undefined;
  /**
   * Publishes a new node list under the next version (or `version`, which
   * must be higher). Turns the configuration endpoint on if it was off.
   * Returns what is now published.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` for an empty or invalid list (the old one stays).
   */
  setClusterNodes(nodes: readonly ClusterNodeSpec[], version?: number): ClusterConfig;
  /**
   * Moves the server's clock forward by `seconds`, at once: items expire,
   * delayed `flush_all`s take effect and `mg … t` counts down as if that much
   * time had passed, so a test of expiry needs no real wait. Adds to the
   * `now` option's clock; time never goes back. Throws ERR_INVALID_ARGUMENT
   * for a negative or non-finite `seconds`.
   */
  advanceClock(seconds: number): void;
  /** `await using server = await startServer()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

function createState(
  opts: ResolvedOptions,
  now: () => number,
): { state: ServerState; connections: Set<Connection> } {
  const clock = new Clock(now);
  const counters = new Counters();
  const store = new Store({
    clock,
    counters,
    slabs: new SlabClasses(opts.maxItemSize),
    limit: opts.memoryLimitMb * 1024 * 1024,
    itemSizeMax: opts.maxItemSize,
  });
  const settings: Settings = {
    host: opts.host,
    port: opts.port,
    memoryLimitMb: opts.memoryLimitMb,
    maxItemSize: opts.maxItemSize,
    maxConnections: opts.maxConnections,
    verbosity: opts.verbosity,
    version: SERVER_VERSION,
    meta: opts.meta,
  };
  const connections = new Set<Connection>();
  const state: ServerState = {
    store,
    cluster: new ClusterConfigState(opts.clusterConfig),
    auth: opts.auth,
    counters,
    clock,
    settings,
    connections,
    crawler: { enabled: true },
    log(level, line) {
      if (opts.logger !== undefined && settings.verbosity >= level) opts.logger(line);
    },
  };
  return { state, connections };
}

/** Starts an in-process memcached-compatible server. */
export async function startServer(options: ServerOptions = {}): Promise<MemkitServer> {
  const opts = resolveOptions(options);
  // advanceClock() moves time on top of the configured clock.
  let skewMs = 0;
  const { state, connections } = createState(opts, () => opts.now() + skewMs);
  const rejected = new Set<Socket>();
  let nextId = 1;

  const server = createServer((socket) => {
    if (connections.size >= opts.maxConnections) {
      state.counters.rejectedConnections++;
      state.log(
        1,
        `rejecting ${formatAddress(socket.remoteAddress, socket.remotePort)}: too many connections`,
      );
      rejected.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => rejected.delete(socket));
      socket.end('ERROR Too many open connections\r\n');
      return;
    }
    state.counters.totalConnections++;
    const conn = new Connection(socket, state, nextId++);
    connections.add(conn);
    state.log(1, `<${conn.id} new connection from ${conn.remote}`);
    socket.on('close', () => {
      connections.delete(conn);
      state.log(1, `<${conn.id} connection closed`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      reject(
        new MemkitError(
          'ERR_CONNECT',
          `memkit-server: cannot listen on ${opts.host}:${opts.port}: ${err.message}`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => state.log(1, `server error: ${err.message}`));

  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  state.settings.port = port;
  const address = formatAddress(opts.host, port);
  state.log(1, `memkit-server ${SERVER_VERSION} listening on ${address}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const conn of connections) conn.destroy();
      for (const socket of rejected) socket.destroy();
    });
    return closing;
  };

  return {
    port,
    host: opts.host,
    address,
    close,
    stats: () => Object.fromEntries(generalStats(state)),
    clusterConfig: () => state.cluster.config,
    setClusterNodes: (nodes, version) => state.cluster.set(nodes, version),
    advanceClock(seconds: number) {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new MemkitError(
          'ERR_INVALID_ARGUMENT',
          `advanceClock: seconds must be a finite number >= 0, got ${String(seconds)}`,
        );
      }
      skewMs += seconds * 1000;
    },
    [Symbol.asyncDispose]: close,
  };
}
