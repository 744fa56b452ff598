/**
 * `startServer` options: defaults (memcached's) and validation, so a bad
 * value fails with `ERR_INVALID_ARGUMENT` before anything listens.
 */
import { MemkitError } from '@memkit/protocol';
import { type AuthOptions, type AuthSettings, resolveAuth } from './auth';
import type { ClusterConfigOptions } from './cluster-config';

/** Options of `startServer`. Every field is optional; defaults follow memcached. */
export interface ServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Item memory in megabytes (`-m`). Default 64. */
  memoryLimitMb?: number;
  /** Largest item in bytes, key and overhead included (`-I`). Default 1 MiB. */
  maxItemSize?: number;
  /** Simultaneous client connections (`-c`); more are refused with an error line. Default 1024. */
  maxConnections?: number;
  /** Log connection events (`true`/1, like `-v`) and commands too (2, like `-vv`). Default false. */
  verbose?: boolean | number;
  /**
   * Where verbose lines go. Default: standard error when `verbose` is set; with neither
   * `verbose` nor `logger`, the server never logs, even if a client sends `verbosity`.
   */
  logger?: (line: string) => void;
  /** Milliseconds clock, for tests that need to move time. Default `Date.now`. */
  now?: () => number;
  /**
   * Run as a cluster configuration endpoint (like AWS ElastiCache's): answer
   * `config get cluster` with these nodes. Change them at run time with
   * `server.setClusterNodes()`, which publishes them under the next version.
   * Default: off (`config get` answers `ERROR`, as memcached does).
   */
  clusterConfig?: ClusterConfigOptions;
  /**
   * Require ASCII authentication before any other command: memcached's `-Y`
   * scheme (`mode: 'memcached'`, the default: a `set` whose data is
   * `<user> <password>`) or MemCachier's (`mode: 'memcachier'`: the first
   * command must be `set <user> 0 0 <len>` with the password as data).
   * Default: off.
   */
  auth?: AuthOptions;
  /**
   * Whether the meta protocol (`mg`, `ms`, `md`, `ma`, `me`, `mn`) is
   * spoken. `false` answers like a server without it (memcached before 1.6,
   * some proxies and managed services): every meta command is an unknown
   * command (`ERROR`), the way clients that detect the protocol expect.
   * Default true.
   */
  meta?: boolean;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  port: number;
  host: string;
  memoryLimitMb: number;
  maxItemSize: number;
  maxConnections: number;
  verbosity: number;
  /** `undefined` when nothing may be logged. */
  logger: ((line: string) => void) | undefined;
  now: () => number;
  clusterConfig: ClusterConfigOptions | undefined;
  auth: AuthSettings | undefined;
  meta: boolean;
}

const MIN_ITEM_SIZE = 1024;
const MAX_ITEM_SIZE = 1024 * 1024 * 1024;

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `startServer: ${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `startServer: ${name} must be a boolean, got ${typeof value}`,
    );
  }
  return value;
}

/** Applies defaults and validates. */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const verbose = options.verbose ?? false;
  const verbosity = typeof verbose === 'number' ? verbose : verbose ? 1 : 0;
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'startServer: host must be a non-empty string');
  }
  return {
    port: checkInteger('port', options.port ?? 0, 0, 65535),
    host,
    memoryLimitMb: checkInteger('memoryLimitMb', options.memoryLimitMb ?? 64, 1, 1024 * 1024),
    maxItemSize: checkInteger(
      'maxItemSize',
      options.maxItemSize ?? 1024 * 1024,
      MIN_ITEM_SIZE,
      MAX_ITEM_SIZE,
    ),
    maxConnections: checkInteger('maxConnections', options.maxConnections ?? 1024, 1, 1_000_000),
    verbosity: checkInteger('verbose', verbosity, 0, 2),
    logger: options.logger ?? (verbosity > 0 ? (line) => process.stderr.write(`${line}\n`) : undefined),
    now: options.now ?? Date.now,
    clusterConfig: options.clusterConfig,
    auth: resolveAuth(options.auth),
    meta: checkBoolean('meta', options.meta ?? true),
  };
}
