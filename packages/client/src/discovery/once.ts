/**
 * `discoverServers`: one read of a discovery source, for tools that want the
 * list without a client following it (the `memkit` CLI's `--discover`).
 */
import type { ServerNode } from '../cluster/locator';
import { canonicalOrder } from '../cluster/topology';
import { type ClientOptions, resolveOptions } from '../options';
import { ConfigEndpointSource } from './config-endpoint';
import { DnsSource } from './dns';
import { type DiscoveryOptions, resolveDiscovery } from './options';

/** A server found by `discoverServers`. */
export interface DiscoveredServer {
  /** `host:port`: how a discovering client names (and hashes) it. */
  address: string;
  /** Its name (or, for A/AAAA discovery, its IP). */
  host: string;
  /** Where to connect, when it differs from `host`. */
  ip?: string;
  /** TCP port. */
  port: number;
}

/**
 * Reads the server list once from a configuration endpoint or DNS, in the
 * order a discovering client would hash them.
 * @param options the client options that apply to the read (`tls`, `auth`, `connectTimeout`, `resolver`).
 * @throws MemkitError `ERR_DISCOVERY` when the source is unreachable, slow or answers something unusable;
 *   `ERR_INVALID_ARGUMENT` for invalid options.
 */
export async function discoverServers(
  discovery: DiscoveryOptions,
  options: Pick<ClientOptions, 'tls' | 'auth' | 'connectTimeout' | 'resolver'> = {},
): Promise<DiscoveredServer[]> {
  const d = resolveDiscovery(discovery, options.resolver);
  const source =
    d.kind === 'config'
      ? new ConfigEndpointSource(d.endpoint, resolveOptions(options), d.timeout, d.tls)
      : new DnsSource(d);
  try {
    const found = await source.read();
    return canonicalOrder(found.nodes).map(toServer);
  } finally {
    source.close();
  }
}

function toServer(n: ServerNode): DiscoveredServer {
  return n.ip === undefined
    ? { address: n.address, host: n.host, port: n.port }
    : { address: n.address, host: n.host, ip: n.ip, port: n.port };
}
