/**
 * What every command needs from the client: resolved options, the
 * serializer, the cluster, and helpers to build keys and launch requests.
 * Commands are plain functions over this context (one small module each),
 * so `Client` stays a thin facade.
 */

import type { Cluster } from './cluster/cluster';
import type { ServerPool } from './connection/pool';
import { traceCommand, tracingCommands } from './diagnostics';
import type { Exchange } from './exchanges/exchange';
import { mapKey } from './key-mapping';
import { toWireKey, type WireKey } from './keys';
import type { NearCache } from './near-cache/near-cache';
import type { CommandOptions, ResolvedOptions } from './options';
import type { Serializer } from './serialization/index';
import { traceRequest, tracingCalls } from './tracing';

export class Context {
  /** `keyMapping: 'auto'`: string keys are mapped (key-mapping.ts) instead of validated. */
  readonly mapKeys: boolean;
  /**
   * Whether mapped keys may take the binary form (meta `b` flag). A key's
   * mapping decides which item (and server) holds it, so it is fixed per
   * client by the `protocol` option, never by a server's dialect: only
   * `'meta'` allows it (with `'auto'` a server may turn out to speak text).
   */
  readonly binaryKeys: boolean;
  /** `replicas` above 1: commands take the replicated paths (commands/replicated*.ts). */
  readonly replicated: boolean;

  constructor(
    readonly options: ResolvedOptions,
    readonly serializer: Serializer,
    readonly cluster: Cluster,
    /** The near cache (option `nearCache`), shared by a client and its views: entries are keyed by wire key. */
    readonly near: NearCache | undefined = undefined,
  ) {
    this.mapKeys = options.keyMapping === 'auto';
    this.binaryKeys = options.protocol === 'meta';
    this.replicated = options.replicas > 1;
  }

  /**
   * Wire key with the client prefix (or `prefix` when given); see `toWireKey`
   * on validation. With `keyMapping: 'auto'`, string keys are mapped instead.
   */
  key(key: string | Uint8Array, prefix = this.options.keyPrefix, validate = false): WireKey {
    if (this.mapKeys && typeof key === 'string') return mapKey(key, { prefix, binaryKeys: this.binaryKeys });
    return toWireKey(key, prefix, validate);
  }

  /** A context sharing this one's cluster, serializer and near cache, with other resolved options. */
  derive(options: ResolvedOptions): Context {
    return new Context(options, this.serializer, this.cluster, this.near);
  }

  /**
   * `dispatch` for a single-key write: when the write fails on an outage,
   * its key is noted for invalidation on that server (invalidations.ts).
   */
  dispatchWrite<T>(
    pool: ServerPool,
    req: Exchange<T>,
    opts: CommandOptions | undefined,
    key: WireKey,
  ): Promise<T> {
    if (this.cluster.invalidations.enabled) {
      req.noteTo = pool;
      req.noteKey = key;
    }
    return this.dispatch(pool, req, opts);
  }

  /**
   * Sets deadline and signal, sends, and returns the exchange's promise. When
   * calls are traced, the exchange is counted to the call running right now
   * (see `tracing.ts`): a command must send before its first `await`, unless
   * it is getOrSet, whose later requests are matched through AsyncLocalStorage.
   */
  dispatch<T>(
    pool: ServerPool,
    req: Exchange<T>,
    opts: CommandOptions | undefined,
    alone = false,
  ): Promise<T> {
    req.deadline = performance.now() + (opts?.timeout ?? this.options.timeout);
    if (opts?.signal) req.signal = opts.signal;
    const promise = tracingCalls() ? traceRequest(pool.node, req, send, pool, alone) : send(pool, req, alone);
    if (tracingCommands()) return traceCommand(req.command, pool.node.address, req.keyCount, promise);
    return promise;
  }
}

function send<T>(pool: ServerPool, req: Exchange<T>, alone: boolean): Promise<T> {
  if (alone) pool.sendAlone(req);
  else pool.send(req);
  return req.promise;
}
