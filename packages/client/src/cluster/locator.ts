/**
 * The cluster's key-to-server contract, kept as an interface so that each
 * hashing scheme is a small module proven on its own: a `ServerNode` is a
 * configured server and a `NodeLocator` maps keys onto the live ones. Hashing
 * lives in the locators (`ketama.ts`, `modula.ts`); deciding which servers are
 * live (failover policy) lives elsewhere and is fed in through `rebuild`.
 */

/** A server in the cluster. `address` is its identity: 'host:port' or a unix socket path. */
export interface ServerNode {
  /** Identity of the server: `host:port` (`[v6]:port`) or the unix socket path. */
  address: string;
  /** Host exactly as configured (not resolved): ketama point labels are built from it. */
  host: string;
  /**
   * The IP address to connect to, when it is known apart from `host` (a
   * discovered node: `host` is its name, which labels it on the ring and is
   * what TLS verifies; `ip` is where it is reached). Default: `host` is resolved.
   */
  ip?: string;
  /** TCP port; 0 for a unix socket (as libmemcached stores it). */
  port: number;
  /** Relative share of keys. */
  weight: number;
  /** Set when the server is reached through a unix socket. */
  socketPath?: string;
}

/** Maps keys to servers; knows nothing of failover, which only feeds it the live servers. */
export interface NodeLocator {
  /** The server for this key (UTF-8 bytes of a string key, after prefixing); undefined when no live server. */
  locate(key: string | Uint8Array): ServerNode | undefined;
  /**
   * Up to `n` distinct live servers for this key, the first being `locate(key)`'s:
   * where its replicas go (`replicas` option). Optional for custom locators,
   * which then cannot be used with `replicas` above 1.
   */
  locateN?(key: string | Uint8Array, n: number): ServerNode[];
  /** Called with the currently live servers whenever liveness changes. */
  rebuild(liveNodes: readonly ServerNode[]): void;
}
