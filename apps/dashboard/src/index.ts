/**
 * The dashboard sample app: serves `@memkit/cli`'s live dashboard for the
 * pool in `MEMCACHED_SERVERS`, for the nodes a configuration endpoint
 * publishes (`MEMCACHED_DISCOVER`), or, when neither is set, for two
 * in-process `@memkit/server`s published by a third one acting as the
 * configuration endpoint (so the page follows node changes, like on AWS
 * ElastiCache), optionally with a demo load so the charts move.
 */
import { createDashboardServer, type DashboardServer } from '@memkit/cli';
import { type MemkitServer, startServer } from '@memkit/server';
import { type DemoLoad, startDemoLoad } from './load';

export { type DemoLoad, type DemoLoadOptions, startDemoLoad } from './load';

/** Options of {@link startDashboardApp}. */
export interface DashboardAppOptions {
  /** Servers to watch. Default: `MEMCACHED_SERVERS`, else two in-process `@memkit/server`s. */
  servers?: string[];
  /** Or `host:port` of a configuration endpoint to follow. Default: `MEMCACHED_DISCOVER`. */
  discover?: string;
  /** HTTP port (0: any free port). Default 8080. */
  port?: number;
  /** Interface. Default `'127.0.0.1'`. */
  host?: string;
  /** ms between samples. Default 1000. */
  intervalMs?: number;
  /** Run the demo load against the servers. Default false. */
  load?: boolean | { opsPerSec?: number };
  /** Environment to read `MEMCACHED_SERVERS` / `MEMCACHED_DISCOVER` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A running app. */
export interface DashboardApp {
  readonly url: string;
  /** The servers watched now (with an endpoint: what it publishes, as of the last read). */
  readonly servers: string[];
  /** True when the servers are in-process `@memkit/server`s. */
  readonly embedded: boolean;
  /** The configuration endpoint followed, if any (`host:port`). */
  readonly discover?: string;
  /**
   * In embedded mode: the in-process configuration endpoint. `endpoint.setClusterNodes([...])`
   * changes what the dashboard shows (a new version, picked up within a few seconds).
   */
  readonly endpoint?: MemkitServer;
  readonly dashboard: DashboardServer;
  /** The demo load, when running. */
  readonly load?: DemoLoad;
  /** Stops the load, the dashboard and any in-process servers. */
  close(): Promise<void>;
}

function serversFrom(env: NodeJS.ProcessEnv): string[] | undefined {
  const list = env.MEMCACHED_SERVERS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

/** Starts the dashboard (and, without configured servers, two in-process ones). */
export async function startDashboardApp(options: DashboardAppOptions = {}): Promise<DashboardApp> {
  const env = options.env ?? process.env;
  const configured = options.servers ?? (options.discover ? undefined : serversFrom(env));
  const embedded: MemkitServer[] = [];
  let endpoint: MemkitServer | undefined;
  let discover = options.discover ?? (configured ? undefined : env.MEMCACHED_DISCOVER?.trim() || undefined);
  if (!configured && !discover) {
    for (let i = 0; i < 2; i++) embedded.push(await startServer({ port: 0, host: '127.0.0.1' }));
    endpoint = await startServer({
      port: 0,
      host: '127.0.0.1',
      clusterConfig: { nodes: embedded.map((s) => s.address) },
    });
    embedded.push(endpoint);
    discover = endpoint.address;
  }
  const closeEmbedded = () => Promise.all(embedded.map((s) => s.close()));
  const intervalMs = options.intervalMs ?? 1000;
  let dashboard: DashboardServer;
  try {
    dashboard = await createDashboardServer({
      ...(discover ? { discover, discoverIntervalMs: Math.max(intervalMs, 1000) } : { servers: configured }),
      port: options.port ?? 8080,
      host: options.host ?? '127.0.0.1',
      intervalMs,
    });
  } catch (err) {
    await closeEmbedded();
    throw err;
  }
  const loadOptions = typeof options.load === 'object' ? options.load : {};
  const target = discover ? { configEndpoint: discover } : configured!;
  const load = options.load ? startDemoLoad(target, loadOptions) : undefined;
  return {
    url: dashboard.url,
    get servers() {
      return dashboard.monitor.servers;
    },
    embedded: embedded.length > 0,
    ...(discover ? { discover } : {}),
    ...(endpoint ? { endpoint } : {}),
    dashboard,
    load,
    async close() {
      await load?.stop();
      await dashboard.close();
      await closeEmbedded();
    },
  };
}
