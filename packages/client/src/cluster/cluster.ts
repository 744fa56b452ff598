/**
 * The servers of a client: one `ServerPool` each, a `NodeLocator` that maps
 * keys to servers, and the failover policy (kept apart from hashing, so that
 * any locator gets the same failover and each is tested alone). After `failureThreshold` consecutive failures a server is dead for
 * `deadRetryDelay`; meanwhile its keys move to live servers (`rehash`, the
 * locator is rebuilt without it, as libmemcached's auto-eject) or fail fast
 * (`error`). When the retry time comes, the server is probed with `version`;
 * it rejoins if it answers (flushed first with `flushOnReconnect`).
 */
import { EventEmitter } from 'node:events';
import { MemkitError } from '@memkit/protocol';
import { ServerPool } from '../connection/pool';
import { channels } from '../diagnostics';
import type { HashingName, ResolvedOptions } from '../options';
import { KetamaLocator } from './ketama';
import type { NodeLocator, ServerNode } from './locator';
import { ModulaLocator } from './modula';

/** Builds the locator for a `hashing` option. */
export function createLocator(
  hashing: HashingName | ((nodes: readonly ServerNode[]) => NodeLocator),
  nodes: readonly ServerNode[],
): NodeLocator {
  if (typeof hashing === 'function') return hashing(nodes);
  switch (hashing) {
    case 'ketama':
    case 'ketama-oaat':
    case 'ketama-md5':
      return new KetamaLocator(nodes, { hashing });
    case 'modula':
      return new ModulaLocator(nodes);
    default:
      throw new MemkitError('ERR_INVALID_ARGUMENT', `unknown hashing ${JSON.stringify(hashing)}`);
  }
}

/** Events: `server:dead` (address, error), `server:alive` (address). */
export class Cluster extends EventEmitter {
  readonly pools: ServerPool[];
  private readonly byAddress = new Map<string, ServerPool>();
  private readonly dead = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    readonly nodes: readonly ServerNode[],
    private readonly locator: NodeLocator | undefined,
    private readonly options: ResolvedOptions,
  ) {
    super();
    this.pools = nodes.map((n) => {
      const pool = new ServerPool(n, options);
      pool.on('failure', (address: string, err: MemkitError, count: number) =>
        this.onFailure(address, err, count),
      );
      this.byAddress.set(n.address, pool);
      return pool;
    });
  }

  /** The pool that serves `route` (a full key or its bytes). Throws ERR_SERVER_DEAD when none can. */
  poolFor(route: string | Uint8Array): ServerPool {
    if (!this.locator) return this.pools[0]!;
    const node = this.locator.locate(route);
    if (!node)
      throw new MemkitError('ERR_SERVER_DEAD', 'no live server for this key: every server is marked dead');
    if (this.options.failover === 'error' && this.dead.has(node.address)) {
      throw new MemkitError('ERR_SERVER_DEAD', `${node.address} is marked dead (failover: 'error')`, {
        server: node.address,
      });
    }
    return this.byAddress.get(node.address)!;
  }

  /** True when `address` is currently marked dead. */
  isDead(address: string): boolean {
    return this.dead.has(address);
  }

  /** Closes every pool now: pending commands fail with ERR_CLIENT_CLOSED. */
  close(): void {
    this.stop();
    for (const p of this.pools) p.close();
  }

  /** Graceful close of every pool (see `ServerPool.end`); `close()` meanwhile cuts it short. */
  async end(): Promise<void> {
    this.stop();
    await Promise.all(this.pools.map((p) => p.end()));
  }

  /** No more dead-server probes, and no failure marks a server dead any more. */
  private stop(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private onFailure(address: string, err: MemkitError, count: number): void {
    if (this.closed || !this.locator || this.dead.has(address)) return;
    if (count < this.options.failureThreshold) return;
    this.dead.set(address, performance.now() + this.options.deadRetryDelay);
    this.rebuild();
    this.byAddress
      .get(address)
      ?.reset(new MemkitError('ERR_SERVER_DEAD', `${address} marked dead`, { cause: err }));
    if (channels.serverDead.hasSubscribers) channels.serverDead.publish({ server: address, error: err });
    this.emit('server:dead', address, err);
    this.schedule(address, this.options.deadRetryDelay);
  }

  private schedule(address: string, delay: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.probe(address);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async probe(address: string): Promise<void> {
    const pool = this.byAddress.get(address);
    if (!pool || this.closed) return;
    pool.resetBackoff();
    try {
      const v = pool.dialect.version();
      v.deadline = performance.now() + this.options.connectTimeout;
      pool.send(v);
      await v.promise;
      if (this.options.flushOnReconnect) {
        const f = pool.dialect.flushAll(undefined);
        f.deadline = performance.now() + this.options.timeout;
        pool.send(f);
        await f.promise;
      }
    } catch {
      if (!this.closed) this.schedule(address, this.options.deadRetryDelay);
      return;
    }
    if (this.closed) return;
    this.dead.delete(address);
    this.rebuild();
    if (channels.serverAlive.hasSubscribers) channels.serverAlive.publish({ server: address });
    this.emit('server:alive', address);
  }

  private rebuild(): void {
    if (this.options.failover !== 'rehash' || !this.locator) return;
    this.locator.rebuild(this.nodes.filter((n) => !this.dead.has(n.address)));
  }
}
