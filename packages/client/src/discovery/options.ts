/**
 * The `discovery` option: where the server list comes from when it is not a
 * fixed `servers` array — a configuration endpoint (AWS ElastiCache, GCP
 * Memorystore), DNS A/AAAA records (a Kubernetes headless Service) or DNS
 * SRV records — and its validation into one resolved form.
 */
import { Resolver } from 'node:dns/promises';
import { MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import type { TlsOptions } from '../options';
import { parseServer } from '../servers';

interface DiscoveryCommon {
  /** Milliseconds between polls. Default 60000 for a configuration endpoint, 30000 for DNS. */
  interval?: number;
  /** Milliseconds one poll may take (connect + answer, or the DNS queries). Default 2000. */
  timeout?: number;
}

/** Poll a configuration endpoint (`config get cluster`) for the node list. */
export interface ConfigEndpointDiscovery extends DiscoveryCommon {
  /** `'host:port'` of the configuration endpoint. Uses the client's `auth`. */
  configEndpoint: string;
  /** TLS to the endpoint, when it differs from the nodes' (`false` for none). Default: the client's `tls`. */
  tls?: boolean | TlsOptions;
}

/** Resolve A and AAAA records: every address is a server on `port`. */
export interface DnsDiscovery extends DiscoveryCommon {
  /** The name to resolve, e.g. `'memcached.default.svc.cluster.local'` (a headless Service). */
  dns: string;
  /** The servers' port. Default 11211. */
  port?: number;
  /** DNS servers to ask (`'ip'`, `'ip:port'`, `'[ipv6]:port'`) instead of the system's. */
  resolver?: readonly string[];
}

/** Resolve SRV records: every target (and its port) is a server. */
export interface SrvDiscovery extends DiscoveryCommon {
  /** The SRV name, e.g. `'_memcache._tcp.memcached.default.svc.cluster.local'`. */
  srv: string;
  /** DNS servers to ask (`'ip'`, `'ip:port'`, `'[ipv6]:port'`) instead of the system's. */
  resolver?: readonly string[];
}

/** The `discovery` option of `new Client(...)`. */
export type DiscoveryOptions = ConfigEndpointDiscovery | DnsDiscovery | SrvDiscovery;

/** A validated `discovery` option. */
export type ResolvedDiscovery =
  | {
      kind: 'config';
      endpoint: ServerNode;
      interval: number;
      timeout: number;
      /** `undefined`: the client's; `false`: plain TCP; else these settings. */
      tls: false | TlsOptions | undefined;
    }
  | {
      kind: 'dns';
      name: string;
      port: number;
      resolver: string[] | undefined;
      interval: number;
      timeout: number;
    }
  | { kind: 'srv'; name: string; resolver: string[] | undefined; interval: number; timeout: number };

const KEYS = {
  config: ['configEndpoint', 'interval', 'timeout', 'tls'],
  dns: ['dns', 'port', 'resolver', 'interval', 'timeout'],
  srv: ['srv', 'resolver', 'interval', 'timeout'],
} as const;

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', `discovery: ${message}`);
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/** Edit distance, to name the option a misspelt one probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function closest(name: string, valid: readonly string[]): string {
  return [...valid].sort((x, y) => distance(name, x) - distance(name, y))[0]!;
}

function checkResolver(resolver: unknown): string[] | undefined {
  if (resolver === undefined) return undefined;
  if (!Array.isArray(resolver) || resolver.length === 0 || resolver.some((r) => typeof r !== 'string')) {
    throw invalid(
      `resolver must be a non-empty array of 'ip[:port]' strings, got ${JSON.stringify(resolver)}`,
    );
  }
  try {
    new Resolver().setServers(resolver);
  } catch (err) {
    throw invalid(`resolver ${JSON.stringify(resolver)}: ${(err as Error).message}`);
  }
  return [...resolver];
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,253}$/.test(name)) {
    throw invalid(`${what} must be a DNS name, got ${JSON.stringify(name)}`);
  }
  return name.replace(/\.$/, '');
}

/**
 * Validates `discovery` (and the top-level `resolver`, the same as
 * `discovery.resolver`). Exactly one of `configEndpoint`, `dns`, `srv`.
 * @throws MemkitError `ERR_INVALID_ARGUMENT` naming the problem (and the closest valid key for a misspelt one).
 */
export function resolveDiscovery(
  d: DiscoveryOptions,
  topResolver: readonly string[] | undefined,
): ResolvedDiscovery {
  if (d === null || typeof d !== 'object') throw invalid('must be an object');
  const o = d as Partial<ConfigEndpointDiscovery & DnsDiscovery & SrvDiscovery>;
  const kinds = (['configEndpoint', 'dns', 'srv'] as const).filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) {
    throw invalid(
      `give exactly one of configEndpoint, dns or srv (got ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
    );
  }
  const kind = kinds[0] === 'configEndpoint' ? 'config' : kinds[0]!;
  const valid: readonly string[] = KEYS[kind];
  for (const key of Object.keys(o)) {
    if (!valid.includes(key))
      throw invalid(`unknown option ${JSON.stringify(key)}; did you mean ${closest(key, valid)}?`);
  }
  const timeout = positive('timeout', o.timeout, 2000);
  if (kind === 'config') {
    if (topResolver !== undefined) throw invalid('resolver applies to dns and srv discovery only');
    if (typeof o.configEndpoint !== 'string') throw invalid('configEndpoint must be a "host:port" string');
    const endpoint = parseServer(o.configEndpoint);
    if (endpoint.socketPath !== undefined)
      throw invalid('configEndpoint must be host:port, not a socket path');
    const t = (o as ConfigEndpointDiscovery).tls;
    if (t !== undefined && typeof t !== 'boolean' && (t === null || typeof t !== 'object')) {
      throw invalid('tls must be true, false or TLS options');
    }
    const tls = t === undefined ? undefined : t === false ? false : t === true ? {} : t;
    return { kind, endpoint, interval: positive('interval', o.interval, 60_000), timeout, tls };
  }
  if (
    o.resolver !== undefined &&
    topResolver !== undefined &&
    JSON.stringify(o.resolver) !== JSON.stringify(topResolver)
  ) {
    throw invalid('resolver is given twice (discovery.resolver and resolver) with different values');
  }
  const resolver = checkResolver(o.resolver ?? topResolver);
  const interval = positive('interval', o.interval, 30_000);
  if (kind === 'srv') return { kind, name: checkName('srv', o.srv), resolver, interval, timeout };
  const port = o.port ?? 11211;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`port must be 1-65535, got ${String(port)}`);
  return { kind, name: checkName('dns', o.dns), port, resolver, interval, timeout };
}
