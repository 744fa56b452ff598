/**
 * Client options: their types, documented defaults, and normalisation into
 * the resolved form the rest of the client reads.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { MemkitError } from '@memkit/protocol';
import type { NodeLocator, ServerNode } from './cluster/locator';
import type { Serializer } from './serialization/index';

/** A server given as an object. */
export interface ServerSpec {
  /** Host name or IP address. Default `127.0.0.1`. */
  host?: string;
  /** TCP port. Default 11211. */
  port?: number;
  /** Unix socket path (instead of host/port). */
  path?: string;
  /** Relative weight in the cluster (python-memcached's `('host:port', weight)`). Default 1. */
  weight?: number;
}

/** TLS settings. Certificate verification is on unless `rejectUnauthorized: false`. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM), as for `tls.connect`. Default: Node's bundled roots. */
  ca?: TlsConnectionOptions['ca'];
  /** Client certificate (PEM) for mutual TLS. */
  cert?: TlsConnectionOptions['cert'];
  /** Private key (PEM) of `cert`. */
  key?: TlsConnectionOptions['key'];
  /** SNI and the name the certificate is checked against. Default: the host. */
  servername?: string;
  /** Default `true`: refuse servers whose certificate does not verify. */
  rejectUnauthorized?: boolean;
}

/** memcached ASCII authentication (`memcached -Y authfile`). */
export interface AuthOptions {
  /** The user name memcached's ASCII auth checks. */
  username: string;
  /** Its password. */
  password: string;
}

/** Which key-to-server hashing a cluster uses. */
export type HashingName = 'ketama' | 'ketama-oaat' | 'ketama-md5' | 'modula';

/** Options of `new Client(...)`. Every field is optional except `servers`. */
export interface ClientOptions {
  /**
   * Servers: `'host:port'`, `'host:port:weight'`, `'/path/to.sock'`, or
   * `{ host, port, weight }` / `{ path }`. Default `['127.0.0.1:11211']`.
   */
  servers?: ReadonlyArray<string | ServerSpec>;
  /** Wire protocol. `'meta'` (default) needs memcached >= 1.6; `'text'` works with any. */
  protocol?: 'meta' | 'text';
  /** Prefix added to every key (python-memcached's `key_prefix`). Default `''`. */
  keyPrefix?: string;
  /** How values become bytes + flags. Default: python-memcached compatible. */
  serializer?: Serializer;
  /** Compress values larger than this many bytes with zlib (flag 8). `0` disables. Default 0 (as python-memcached). */
  minCompressLength?: number;
  /** Largest value accepted, in bytes (memcached `-I` minus item overhead). Default 1 MiB - 512 B. */
  maxValueSize?: number;
  /** Per-command timeout in ms. Default 1000. */
  timeout?: number;
  /** Connect (and TLS/auth handshake) timeout in ms. Default 2000. */
  connectTimeout?: number;
  /**
   * Sockets per server. Default 2. Commands are pipelined on the socket that
   * has requests outstanding, so a caller's un-awaited commands stay in
   * order; only when a server has nothing outstanding does the next command
   * go to its next socket (which halves idle round-trip latency on VMs where
   * waking the same memcached thread again is slow; measured in
   * https://github.com/memkit/memkit/blob/main/bench/RESULTS.md).
   */
  connectionsPerServer?: number;
  /** TCP keep-alive initial delay in ms (0 disables). Default 30000. */
  keepAlive?: number;
  /** TLS: `true` for defaults, or options. Off by default. */
  tls?: boolean | TlsOptions;
  /** ASCII auth credentials (memcached `-Y`). */
  auth?: AuthOptions;
  /** Reconnect backoff: first delay in ms, doubled per failure up to `reconnectMaxDelay`. Default 50. */
  reconnectDelay?: number;
  /** Upper bound of the reconnect backoff in ms. Default 2000. */
  reconnectMaxDelay?: number;
  /** Cluster hashing, or your own `NodeLocator`. Default `'ketama'` (libmemcached weighted ketama). */
  hashing?: HashingName | ((nodes: readonly ServerNode[]) => NodeLocator);
  /** Consecutive connection failures/timeouts before a server is marked dead. Default 2. */
  failureThreshold?: number;
  /** Seconds a dead server stays out before it is tried again (python-memcached `dead_retry`). Default 30. */
  deadRetry?: number;
  /** While a server is dead: move its keys to live servers (`'rehash'`) or fail them fast (`'error'`). Default `'rehash'`. */
  failover?: 'rehash' | 'error';
  /** Flush a server that comes back from the dead before using it again. Default false. */
  flushOnReconnect?: boolean;
}

/** Options every command accepts. */
export interface CommandOptions {
  /** Overrides the client's `timeout` (ms) for this call. */
  timeout?: number;
  /** Aborts the call: removed if not yet written, else its connection is destroyed. */
  signal?: AbortSignal;
}

/** Resolved options with every default applied. */
export interface ResolvedOptions {
  protocol: 'meta' | 'text';
  keyPrefix: string;
  maxValueSize: number;
  timeout: number;
  connectTimeout: number;
  connectionsPerServer: number;
  keepAlive: number;
  tls: TlsOptions | undefined;
  auth: AuthOptions | undefined;
  reconnectDelay: number;
  reconnectMaxDelay: number;
  failureThreshold: number;
  deadRetryMs: number;
  failover: 'rehash' | 'error';
  flushOnReconnect: boolean;
}

/** The default per-value limit: memcached's 1 MiB item minus room for its item header and key. */
export const DEFAULT_MAX_VALUE_SIZE = 1024 * 1024 - 512;

/** Applies defaults and checks ranges. */
export function resolveOptions(o: ClientOptions): ResolvedOptions {
  const tls = o.tls === true ? {} : o.tls === false || o.tls === undefined ? undefined : o.tls;
  return {
    protocol: o.protocol ?? 'meta',
    keyPrefix: o.keyPrefix ?? '',
    maxValueSize: positive('maxValueSize', o.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE),
    timeout: positive('timeout', o.timeout ?? 1000),
    connectTimeout: positive('connectTimeout', o.connectTimeout ?? 2000),
    connectionsPerServer: positive('connectionsPerServer', o.connectionsPerServer ?? 2),
    keepAlive: o.keepAlive ?? 30_000,
    tls,
    auth: o.auth,
    reconnectDelay: positive('reconnectDelay', o.reconnectDelay ?? 50),
    reconnectMaxDelay: positive('reconnectMaxDelay', o.reconnectMaxDelay ?? 2000),
    failureThreshold: positive('failureThreshold', o.failureThreshold ?? 2),
    deadRetryMs: (o.deadRetry ?? 30) * 1000,
    failover: o.failover ?? 'rehash',
    flushOnReconnect: o.flushOnReconnect ?? false,
  };
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `option ${name} must be a positive number, got ${String(v)}`,
    );
  }
  return v;
}
