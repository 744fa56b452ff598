/**
 * The dashboard sample app: serves `@memkit/cli`'s live dashboard for the
 * pool in `MEMCACHED_SERVERS`, or, when that is not set, for two in-process
 * `@memkit/server`s, optionally with a demo load so the charts move.
 */
import { createDashboardServer, type DashboardServer } from '@memkit/cli';
import { type MemkitServer, startServer } from '@memkit/server';
import { type DemoLoad, startDemoLoad } from './load';

export { type DemoLoad, type DemoLoadOptions, startDemoLoad } from './load';

/** Options of {@link startDashboardApp}. */
export interface DashboardAppOptions {
  /** Servers to watch. Default: `MEMCACHED_SERVERS`, else two in-process `@memkit/server`s. */
  servers?: string[];
  /** HTTP port (0: any free port). Default 8080. */
  port?: number;
  /** Interface. Default `'127.0.0.1'`. */
  host?: string;
  /** ms between samples. Default 1000. */
  intervalMs?: number;
  /** Run the demo load against the servers. Default false. */
  load?: boolean | { opsPerSec?: number };
  /** Environment to read `MEMCACHED_SERVERS` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A running app. */
export interface DashboardApp {
  readonly url: string;
  readonly servers: string[];
  /** True when the servers are in-process `@memkit/server`s. */
  readonly embedded: boolean;
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
  const configured = options.servers ?? serversFrom(options.env ?? process.env);
  const embedded: MemkitServer[] = [];
  if (!configured) {
    for (let i = 0; i < 2; i++) embedded.push(await startServer({ port: 0, host: '127.0.0.1' }));
  }
  const servers = configured ?? embedded.map((s) => s.address);
  const closeEmbedded = () => Promise.all(embedded.map((s) => s.close()));
  let dashboard: DashboardServer;
  try {
    dashboard = await createDashboardServer({
      servers,
      port: options.port ?? 8080,
      host: options.host ?? '127.0.0.1',
      intervalMs: options.intervalMs ?? 1000,
    });
  } catch (err) {
    await closeEmbedded();
    throw err;
  }
  const loadOptions = typeof options.load === 'object' ? options.load : {};
  const load = options.load ? startDemoLoad(servers, loadOptions) : undefined;
  return {
    url: dashboard.url,
    servers,
    embedded: embedded.length > 0,
    dashboard,
    load,
    async close() {
      await load?.stop();
      await dashboard.close();
      await closeEmbedded();
    },
  };
}
