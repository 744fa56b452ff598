/**
 * Global options shared by every command (`--servers`, `--discover`,
 * `--timeout`, `--protocol`, `--json`), where the server list comes from
 * (a list, or a configuration endpoint), and the client built from them.
 */
import { Client, type ClientOptions, type DiscoveredServer, discoverServers } from '@memkit/client';
import { CliError } from './errors';

/** The default server when neither `--servers` nor `MEMCACHED_SERVERS` is given. */
export const DEFAULT_SERVER = '127.0.0.1:11211';

/** Global options as commander parses them. */
export interface GlobalOptions {
  servers?: string;
  /** `host:port` of a configuration endpoint to read the server list from. */
  discover?: string;
  timeout?: number;
  protocol?: 'meta' | 'text' | 'auto';
  json?: boolean;
}

/** Splits a comma-separated server list, dropping blanks. */
export function splitServers(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The servers to talk to: `--servers`, else `MEMCACHED_SERVERS`, else
 * {@link DEFAULT_SERVER}. An explicitly empty list is a usage error rather
 * than a silent fallback to localhost.
 */
export function resolveServers(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const source = flag ?? env.MEMCACHED_SERVERS;
  if (source === undefined) return [DEFAULT_SERVER];
  const servers = splitServers(source);
  if (servers.length === 0) {
    const from = flag === undefined ? 'MEMCACHED_SERVERS' : '--servers';
    throw new CliError(`${from} is empty: give at least one host:port`);
  }
  return servers;
}

/** Client options for the CLI: short timeouts so a dead server is reported fast. */
export function clientOptions(servers: ClientOptions['servers'], opts: GlobalOptions): ClientOptions {
  return {
    servers,
    timeout: opts.timeout ?? 2000,
    connectTimeout: opts.timeout ?? 2000,
    protocol: opts.protocol ?? 'meta',
    // A monitoring tool must see a server again as soon as it is back.
    deadRetryDelay: 1000,
    reconnectMaxDelay: 1000,
  };
}

/** A server to talk to: the name it is shown under, and where to connect. */
export interface ServerTarget {
  label: string;
  connect: string;
}

/** Where a discovered server is reached: its IP when the endpoint gave one. */
function connectAddress(s: DiscoveredServer): string {
  if (s.ip === undefined) return s.address;
  return s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`;
}

/**
 * The servers: read from the configuration endpoint of `--discover` (shown
 * under their published names, reached at their IPs), else from
 * {@link resolveServers}.
 */
export async function serverTargets(opts: GlobalOptions): Promise<ServerTarget[]> {
  if (opts.discover === undefined) return resolveServers(opts.servers).map((s) => ({ label: s, connect: s }));
  if (opts.servers !== undefined) throw new CliError('give --servers or --discover, not both');
  const found = await discoverServers(
    { configEndpoint: opts.discover, timeout: opts.timeout ?? 2000 },
    { connectTimeout: opts.timeout ?? 2000 },
  );
  return found.map((s) => ({ label: s.address, connect: connectAddress(s) }));
}

/**
 * The one client of a command, over the whole pool: key commands hash keys
 * to their server; stats, flush and key listing read its per-server results,
 * so one server down shows as such without failing the others. With
 * `--discover` it follows the configuration endpoint.
 */
export function poolClient(opts: GlobalOptions): Client {
  if (opts.discover === undefined) return new Client(clientOptions(resolveServers(opts.servers), opts));
  if (opts.servers !== undefined) throw new CliError('give --servers or --discover, not both');
  return new Client({
    ...clientOptions(undefined, opts),
    discovery: { configEndpoint: opts.discover, timeout: opts.timeout ?? 2000 },
  });
}
