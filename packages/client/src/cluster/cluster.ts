/**
 * The servers of a client and where each key goes. Three concerns, kept
 * apart: membership (which servers exist: fixed, or changed by discovery
 * through `applyTopology`), health (`health.ts`: which members are dead) and
 * hashing (the `NodeLocator` of the current `Ring`). Every change of either
 * membership or health builds a new ring and swaps it in one assignment, so
 * a request is routed by the old ring or the new one, never a mix.
 *
 * A membership change builds its ring off the hot path (a slice at a time),
 * then swaps it; servers that left are drained (what was sent to them
 * completes, then their connections close) and never get a new request;
 * servers that joined connect lazily, on their first request.
 *
 * Routing is `poolFor` (reads) and `writePoolFor` (writes, which also note
 * the keys whose home server they could not reach: invalidations.ts). A
 * healthy ring takes one locator lookup; only a degraded one (a member dead)
 * or one whose keys moved in the last membership change does more.
 *
 * Events: `server:dead` (address, error), `server:alive` (address),
 * `server:state` (ServerStateChange), `invalidation` (InvalidationMessage),
 * `connect` (address), `close` (address, error), `topology` (TopologyEvent),
 * `ring` (RingChange: the rings before and after, for hooks that must act on
 * keys whose owner changed). With `failover: 'gutter'`, the gutter servers'
 * `server:*`, `connect` and `close` events are repeated here.
 */
import { EventEmitter } from 'node:events';
import { MemkitError } from '@memkit/protocol';
import { ServerPool } from '../connection/pool';
import { channels, type ProtocolMessage } from '../diagnostics';
import type { WireKey } from '../keys';
import type { ResolvedOptions } from '../options';
import { Health, type ServerState } from './health';
import { type InvalidationMessage, Invalidations } from './invalidations';
import type { ServerNode } from './locator';
import { Waiters } from './readiness';
import { type Hashing, historyOf, LocatorFactory, Ring } from './ring';
import { failoverPool, noServer, noteMissed, replicaPools, subPoolOptions } from './routing';
import { diffTopology, isEmptyDiff } from './topology';

/** What the `topology` event reports after a membership change was applied. */
export interface TopologyEvent {
  /** The version of the change (the configuration endpoint's, or a counter for DNS). */
  version: number;
  /** Every member now, in ring order. */
  servers: string[];
  /** Members that joined. */
  added: string[];
  /** Members that left (drained, then closed). */
  removed: string[];
  /** Members that stayed but are now reached at another IP (same keys, new connections). */
  moved: string[];
}

/** A routing change: the `ring` event. `previous.owner(key)` vs `next.owner(key)` tells what moved. */
export interface RingChange {
  reason: 'topology' | 'health';
  previous: Ring;
  next: Ring;
}

/** Events of the gutter pool repeated by its cluster. */
const GUTTER_EVENTS = ['server:dead', 'server:alive', 'server:state', 'connect', 'close'] as const;

export class Cluster extends EventEmitter {
  private ring: Ring;
  private readonly factory: LocatorFactory;
  private readonly health: Health;
  /** Pools of servers that left, still finishing what was sent to them. */
  private readonly retiring = new Set<ServerPool>();
  private applying: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Waiters();
  private closed = false;
  /** The version of the last applied topology (0 for a fixed server list). */
  version = 0;
  /** Why there are no servers yet (the last discovery error), for the errors of waiting commands. */
  pendingReason: MemkitError | undefined;
  /** What each server must forget before it serves again. */
  readonly invalidations: Invalidations;
  /** `failover: 'gutter'`: the pool that takes dead servers' keys. */
  readonly gutter: Cluster | undefined;
  /** Members that left: flushed if they ever rejoin (they may hold values from before). */
  private readonly former = new Set<string>();

  /**
   * @param dynamic the members will change (discovery): rings are built so
   *   that a change moves only the keys of the servers it adds or removes.
   * @param ttlCap seconds: every TTL written to this cluster's servers is
   *   clamped to it (a gutter pool).
   */
  constructor(
    nodes: readonly ServerNode[],
    hashing: Hashing,
    private readonly options: ResolvedOptions,
    dynamic = false,
    private readonly ttlCap: number | undefined = undefined,
  ) {
    super();
    this.factory = new LocatorFactory(hashing, dynamic);
    this.gutter =
      options.failover === 'gutter' && options.gutter
        ? new Cluster(options.gutter.servers, hashing, subPoolOptions(options), false, options.gutter.ttl)
        : undefined;
    // The gutter servers' own health and connections are the client's events too.
    for (const event of GUTTER_EVENTS)
      this.gutter?.on(event, (...args: unknown[]) => this.emit(event, ...args));
    this.health = new Health(options, {
      pool: (address) => this.ring.byAddress.get(address),
      canFailover: () => this.ring.locator !== undefined || this.gutter !== undefined,
      changed: () => this.onHealthChange(),
      returning: (address, pool, revive) =>
        this.invalidations.replay(address, pool, revive, options.flushOnReconnect),
      emit: (event, subject, error) => this.emit(event, subject, error),
    });
    this.invalidations = new Invalidations(options.invalidationBudget, {
      pool: (address) => this.ring.byAddress.get(address) ?? this.gutter?.current.byAddress.get(address),
      isDown: (address) => this.health.isDead(address) || this.gutter?.isDead(address) === true,
      undeliverable: (address) =>
        this.health.markDead(
          address,
          new MemkitError('ERR_SERVER', `${address}: its invalidations could not be delivered`, {
            server: address,
          }),
        ),
      emit: (m: InvalidationMessage) => this.emit('invalidation', m),
      timeout: options.timeout,
      retryDelay: options.reconnectMaxDelay,
    });
    const pools = nodes.map((n) => this.createPool(n));
    this.ring = new Ring(nodes, pools, this.factory.now(nodes, nodes));
    this.checkReplicas(this.ring);
  }

  /** Current member servers, in ring order. */
  get nodes(): readonly ServerNode[] {
    return this.ring.members;
  }

  /** Current pools, one per member, in ring order. */
  get pools(): readonly ServerPool[] {
    return this.ring.pools;
  }

  /** The current routing snapshot. */
  get current(): Ring {
    return this.ring;
  }

  /** Whether any server is known (false until discovery's first answer). */
  get ready(): boolean {
    return this.ring.members.length > 0;
  }

  /**
   * The pool a read of `route` (a full key or its bytes) goes to: its home
   * server, or while that is dead, where `failover` sends it. Throws
   * ERR_SERVER_DEAD when none can take it.
   */
  poolFor(route: string | Uint8Array): ServerPool {
    const ring = this.ring;
    if (ring.degraded)
      return failoverPool(ring, route, this.options.failover, this.gutter, () => this.notReadyError());
    const locator = ring.locator;
    if (locator === undefined) {
      const only = ring.pools[0];
      if (only === undefined) throw this.notReadyError();
      return only;
    }
    const node = locator.locate(route);
    if (node === undefined) throw noServer();
    return ring.byAddress.get(node.address)!;
  }

  /**
   * The pool a write of `key` goes to, like `poolFor`; when that is not the
   * key's home server (dead), or the last membership change moved the key,
   * notes the key for invalidation on the server that missed the write. A
   * write refused because its home is dead (`failover: 'error'`) is noted too.
   */
  writePoolFor(key: WireKey): ServerPool {
    const ring = this.ring;
    if (!ring.degraded && ring.previous === undefined) return this.poolFor(key.route);
    let pool: ServerPool;
    try {
      pool = this.poolFor(key.route);
    } catch (err) {
      noteMissed(ring, key, undefined, this.invalidations);
      throw err;
    }
    noteMissed(ring, key, pool, this.invalidations);
    return pool;
  }

  /**
   * A read of `key` on `pool` must be answered as a miss: an invalidation of
   * it on that server is still pending (its write there failed).
   */
  stale(pool: ServerPool, key: WireKey): boolean {
    return this.invalidations.pending !== 0 && this.invalidations.pendingOn(pool.node.address, key);
  }

  /**
   * The `replicas` servers of `route`: the live ones (in replica order) and
   * the addresses of dead ones (which writes note for invalidation).
   */
  replicasFor(route: string | Uint8Array): { live: ServerPool[]; down: string[] } {
    if (!this.ready) throw this.notReadyError();
    return replicaPools(this.ring, route, this.options.replicas);
  }

  /** A write of `key` failed on `pool` (timeout, dropped connection): the server may hold the old value. */
  writeFailed(pool: ServerPool, key: WireKey): void {
    this.invalidations.note(pool.node.address, key, '');
  }

  /** True when `address` is currently marked dead. */
  isDead(address: string): boolean {
    return this.health.isDead(address);
  }

  /** The circuit-breaker state of `address` (see health.ts). */
  state(address: string): ServerState {
    return this.health.state(address);
  }

  /**
   * Resolves once a server is known; rejects with ERR_TIMEOUT after
   * `timeoutMs`, ERR_ABORTED on `signal`, ERR_CLIENT_CLOSED on close.
   */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closed) return Promise.reject(new MemkitError('ERR_CLIENT_CLOSED', 'the client is closed'));
    return this.waiters.wait(timeoutMs, signal, () => this.notReadyError(timeoutMs));
  }

  /**
   * Makes `nodes` the members (the one place membership changes). Builds the
   * new ring a slice at a time, swaps it in, drains the servers that left,
   * and emits `ring` and `topology`. Changes are applied one at a time, in
   * call order. Resolves with what changed, or undefined when nothing did.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` for nodes the hashing refuses (nothing changes).
   */
  applyTopology(nodes: readonly ServerNode[], version: number): Promise<TopologyEvent | undefined> {
    const run = this.applying.then(() => this.apply(nodes, version));
    this.applying = run.catch(() => {});
    return run;
  }

  /** Closes every pool now: pending commands fail with ERR_CLIENT_CLOSED. */
  close(): void {
    this.stop();
    for (const p of this.ring.pools) p.close();
    for (const p of this.retiring) p.close();
    this.retiring.clear();
    this.gutter?.close();
  }

  /** Graceful close of every pool (see `ServerPool.end`); `close()` meanwhile cuts it short. */
  async end(): Promise<void> {
    this.stop();
    await Promise.all([...this.ring.pools, ...this.retiring].map((p) => p.end()));
    await this.gutter?.end();
  }

  /**
   * No more topology changes, dead-server probes or dead marks, and commands
   * still waiting for a first topology fail.
   */
  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.health.close();
    this.invalidations.close();
    this.waiters.rejectAll(new MemkitError('ERR_CLIENT_CLOSED', 'the client is closed'));
  }

  private async apply(nodes: readonly ServerNode[], version: number): Promise<TopologyEvent | undefined> {
    if (this.closed) return undefined;
    const before = this.ring;
    const diff = diffTopology(before.members, nodes);
    if (isEmptyDiff(diff)) return undefined;
    const moved = new Set(diff.moved.map(([old]) => old.address));
    const pools = nodes.map((n) => {
      const kept = before.byAddress.get(n.address);
      return kept && !moved.has(n.address) ? kept : this.createPool(n);
    });
    // A server that rejoins may hold values from before it left: flushed before it takes traffic.
    await this.flushRejoining(diff.added, pools);
    if (this.closed) return undefined;
    const locator = diff.ringChanged ? await this.factory.sliced(nodes, nodes) : before.locator;
    if (this.closed) return undefined;
    this.checkReplicas(new Ring(nodes, [], locator));
    const tracked = diff.ringChanged && this.invalidations.enabled && before.members.length > 0;
    if (tracked) this.invalidations.topologyChanged();
    // Health may have changed while the ring was built (one more cached rebuild at most).
    const previous = tracked ? historyOf(before) : before.previous;
    const next = this.ringOf(nodes, pools, locator, previous);
    this.ring = next;
    this.version = version;
    // Routing no longer reaches these pools; they finish what they were sent, then close.
    const leaving = [...diff.removed.map((n) => n.address), ...moved];
    for (const address of leaving) {
      const pool = before.byAddress.get(address)!;
      if (!moved.has(address)) {
        this.health.forget(address);
        this.invalidations.forget(address);
        this.invalidations.flushOnReturn(address);
        this.former.add(address);
      }
      this.retiring.add(pool);
      pool.retire();
    }
    const event: TopologyEvent = {
      version,
      servers: nodes.map((n) => n.address),
      added: diff.added.map((n) => n.address),
      removed: diff.removed.map((n) => n.address),
      moved: [...moved],
    };
    this.emit('ring', { reason: 'topology', previous: before, next } satisfies RingChange);
    if (channels.topology.hasSubscribers) channels.topology.publish(event);
    this.emit('topology', event);
    if (this.ready) this.waiters.resolveAll();
    return event;
  }

  private onHealthChange(): void {
    if (this.closed) return;
    const before = this.ring;
    const next = this.ringOf(before.members, before.pools, before.locator, before.previous);
    this.ring = next;
    this.emit('ring', { reason: 'health', previous: before, next } satisfies RingChange);
  }

  /** A ring over `members` with the current dead set (and, for 'rehash', the locator over the live ones). */
  private ringOf(
    members: readonly ServerNode[],
    pools: readonly ServerPool[],
    locator: Ring['locator'],
    previous: Ring | undefined,
  ): Ring {
    const dead = new Set([...this.health.deadSet()].filter((a) => members.some((n) => n.address === a)));
    if (dead.size === 0) return new Ring(members, pools, locator, locator, dead, previous);
    const rehash = this.options.failover === 'rehash' && locator !== undefined;
    const live = rehash
      ? this.factory.now(
          members,
          members.filter((n) => !dead.has(n.address)),
        )
      : locator;
    return new Ring(members, pools, locator, live, dead, previous);
  }

  /** Flushes the servers among `added` that were members before (see `former`); one that fails is marked dead. */
  private async flushRejoining(added: readonly ServerNode[], pools: readonly ServerPool[]): Promise<void> {
    const back = added.filter((n) => this.former.delete(n.address));
    if (!this.invalidations.enabled) return;
    await Promise.all(
      back.map(async (n) => {
        const pool = pools.find((p) => p.node.address === n.address)!;
        try {
          await this.invalidations.replay(n.address, pool, () => {});
        } catch (err) {
          const e = err instanceof MemkitError ? err : new MemkitError('ERR_CONNECT', String(err));
          // Built dead into the new ring; its probe flushes it before it serves.
          this.invalidations.flushOnReturn(n.address);
          this.health.markDead(n.address, e);
        }
      }),
    );
  }

  /** `replicas` above 1 needs a locator that can name several servers per key. */
  private checkReplicas(ring: Ring): void {
    if (
      this.options.replicas > 1 &&
      ring.locator !== undefined &&
      typeof ring.locator.locateN !== 'function'
    ) {
      throw new MemkitError(
        'ERR_INVALID_OPTION',
        'option replicas above 1 needs a locator with locateN(key, n); the custom hashing locator has none',
      );
    }
  }

  private createPool(node: ServerNode): ServerPool {
    const pool = new ServerPool(node, this.options);
    pool.ttlCap = this.ttlCap;
    pool.on('failure', (address: string, err: MemkitError, count: number) => {
      // A pool that is no longer the member's (left, or replaced after a move) says nothing about health.
      if (this.ring.byAddress.get(address) === pool) this.health.onFailure(address, err, count);
    });
    pool.on('writeFailed', (p: ServerPool, key: WireKey) => this.writeFailed(p, key));
    pool.on('recovered', (address: string) => {
      if (this.ring.byAddress.get(address) === pool) this.health.onRecovered(address);
    });
    pool.on('connect', (address: string) => this.emit('connect', address));
    pool.on('close', (address: string, err: MemkitError) => this.emit('close', address, err));
    pool.on('protocol', (message: ProtocolMessage) => this.emit('protocol', message));
    pool.on('retired', () => this.retiring.delete(pool));
    return pool;
  }

  /** No member yet: ERR_TIMEOUT for a command that waited, ERR_DISCOVERY for a lookup that cannot wait. */
  private notReadyError(waitedMs?: number): MemkitError {
    const why = this.pendingReason ? `: ${this.pendingReason.message}` : '';
    const waited = waitedMs === undefined ? '' : ` after waiting ${waitedMs} ms`;
    const code = waitedMs === undefined ? 'ERR_DISCOVERY' : 'ERR_TIMEOUT';
    return new MemkitError(code, `no server known yet${waited} (discovery has not answered${why})`, {
      cause: this.pendingReason,
    });
  }
}
