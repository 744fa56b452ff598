/**
 * What a discovery source answers: the servers it found, and the version
 * of that list when the source has one (a configuration endpoint does; DNS
 * does not).
 */
import type { ServerNode } from '../cluster/locator';

/** One answer of a discovery source. */
export interface DiscoveredTopology {
  /** The source's version of this list, if it has versions (act only when it rises). */
  version: number | undefined;
  /** At least one server. */
  nodes: ServerNode[];
}

/** Somewhere a server list can be read from, again and again. */
export interface DiscoverySource {
  /** What is asked, for messages: `'host:port'` or a DNS name. */
  readonly description: string;
  /** Reads the current list; rejects with a MemkitError (ERR_DISCOVERY, or the transport's). */
  read(): Promise<DiscoveredTopology>;
  /** Drops connections or pending queries. */
  close(): void;
}

/** A server found by discovery: `host` labels it on the ring, `ip` (when given) is where to connect. */
export function discoveredNode(host: string, port: number, ip?: string): ServerNode {
  const name = host.toLowerCase();
  const address = name.includes(':') ? `[${name}]:${port}` : `${name}:${port}`;
  const node: ServerNode = { address, host: name, port, weight: 1 };
  if (ip !== undefined && ip !== '' && ip !== name) node.ip = ip;
  return node;
}
