/**
 * `createDashboardServer`: an HTTP server for the live dashboard. It runs a
 * `StatsMonitor` over the pool and serves the page, its initial state
 * (`GET /api/state`) and a Server-Sent Events stream (`GET /api/events`)
 * with one `tick` per sample. Read-only: it never writes to memcached.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type ClientOptions, discoverServers, MemkitError } from '@memkit/client';
import { type MonitorTick, StatsMonitor } from '../stats/monitor';
import { type Asset, defaultWebRoot, loadAssets } from './assets';
import type { DashboardState } from './wire';

/** Options of {@link createDashboardServer}. */
export interface DashboardServerOptions {
  /** Server addresses to watch; the dashboard opens (and closes) one client over them. */
  servers?: string[];
  /** Or your own client: every server of it is watched (you close it). */
  client?: Client;
  /**
   * Or `host:port` of a configuration endpoint (ElastiCache, Memorystore,
   * memkit-server `--cluster-config`): the dashboard's client follows the
   * nodes it publishes, re-read every `discoverIntervalMs`.
   */
  discover?: string;
  /** ms between reads of `discover`. Default 5000. */
  discoverIntervalMs?: number;
  /** Extra options for the client built from `servers` or `discover` (timeouts, TLS, auth). */
  clientOptions?: Omit<ClientOptions, 'servers'>;
  /** HTTP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default `'127.0.0.1'` (the stats are not meant for the world). */
  host?: string;
  /** ms between samples. Default 1000. */
  intervalMs?: number;
  /** Samples kept for the charts. Default 300. */
  historySize?: number;
  /** Directory of the built page. Default: the one shipped in this package. */
  webRoot?: string;
}

/** A running dashboard. */
export interface DashboardServer {
  /** `http://host:port/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The interface it listens on. */
  readonly host: string;
  /** The monitor feeding the page (its `history` is what the charts show). */
  readonly monitor: StatsMonitor;
  /** Stops sampling, ends the event streams, closes the HTTP server and the client it opened. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

async function buildClient(options: DashboardServerOptions): Promise<{ client: Client; owned: boolean }> {
  if (options.client) return { client: options.client, owned: false };
  // Its per-server `stats` results show a down server as such; it must be seen again soon after it is back.
  const base: ClientOptions = { timeout: 2000, deadRetryDelay: 1000, ...options.clientOptions };
  if (options.discover !== undefined) {
    // One read first: a dashboard of an endpoint it cannot read says so at once instead of showing nothing.
    try {
      const found = await discoverServers(
        { configEndpoint: options.discover, timeout: base.timeout },
        { tls: base.tls, auth: base.auth, connectTimeout: base.connectTimeout ?? base.timeout },
      );
      if (found.length === 0) throw new Error('no servers published');
    } catch (err) {
      throw new MemkitError(
        'ERR_DISCOVERY',
        `dashboard: cannot read ${options.discover}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const interval = options.discoverIntervalMs ?? 5000;
    const client = new Client({ ...base, discovery: { configEndpoint: options.discover, interval } });
    // The page starts with the published nodes, as the read above saw them.
    try {
      await once(client, 'topology', {
        signal: AbortSignal.timeout(Math.max(base.timeout ?? 2000, 2000) * 2),
      });
    } catch (err) {
      await client.close();
      throw new MemkitError('ERR_DISCOVERY', `dashboard: no topology from ${options.discover}`, {
        cause: err,
      });
    }
    return { client, owned: true };
  }
  if (!options.servers || options.servers.length === 0) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      'dashboard: give `servers` (at least one), `discover` or a `client`',
    );
  }
  return { client: new Client({ ...base, servers: options.servers }), owned: true };
}

/** Starts sampling and listening; resolves once the port is bound. */
export async function createDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const assets = loadAssets(options.webRoot ?? defaultWebRoot());
  const { client, owned } = await buildClient(options);
  const monitor = new StatsMonitor({
    client,
    intervalMs: options.intervalMs ?? 1000,
    historySize: options.historySize ?? 300,
    slabs: true,
  });
  const streams = new Set<ServerResponse>();

  const state = (): DashboardState => {
    const s: DashboardState = {
      servers: monitor.servers,
      intervalMs: monitor.intervalMs,
      history: [...monitor.history],
    };
    const slabs = monitor.latest?.slabs;
    if (slabs) s.slabs = slabs;
    return s;
  };

  monitor.on('tick', (tick: MonitorTick) => {
    const event = `event: tick\ndata: ${JSON.stringify(tick)}\n\n`;
    for (const res of streams) res.write(event);
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    if (path === '/api/state') {
      const body = JSON.stringify(state());
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      });
      res.end(body);
      return;
    }
    if (path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...SECURITY_HEADERS,
      });
      // Tell the browser how soon to reconnect if the stream drops.
      res.write(`retry: ${monitor.intervalMs}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS).end();
      return;
    }
    const asset: Asset | undefined = assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };

  const http = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  http.listen(options.port ?? 8080, host);
  try {
    await once(http, 'listening');
  } catch (err) {
    if (owned) await client.close();
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `dashboard cannot listen on ${host}:${options.port ?? 8080} (${reason})`,
      { cause: err },
    );
  }
  monitor.start();
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    host,
    monitor,
    close() {
      closing ??= (async () => {
        monitor.stop();
        for (const res of streams) res.end();
        streams.clear();
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeAllConnections();
        await closed;
        if (owned) await client.close();
      })();
      return closing;
    },
  };
}
