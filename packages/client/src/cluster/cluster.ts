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
 * Events: `server:dead` (address, error), `server:alive` (address),
 * `connect` (address), `close` (address, error), `topology` (TopologyEvent),
 * `ring` (RingChange: the rings before and after, for hooks that must act on
 * keys whose owner changed).
 */
import { EventEmitter } from 'node:events';
import { MemkitError } from '@memkit/protocol';
import { ServerPool } from '../connection/pool';
import { channels, type ProtocolMessage } from '../diagnostics';
import type { ResolvedOptions } from '../options';
import { Health } from './health';
import type { ServerNode } from './locator';
import { type Hashing, LocatorFactory, Ring } from './ring';
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

export class Cluster extends EventEmitter {
  private ring: Ring;
  private readonly factory: LocatorFactory;
  private readonly health: Health;
  /** Pools of servers that left, still finishing what was sent to them. */
  private readonly retiring = new Set<ServerPool>();
  private applying: Promise<unknown> = Promise.resolve();
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closed = false;
  /** The version of the last applied topology (0 for a fixed server list). */
  version = 0;
  /** Why there are no servers yet (the last discovery error), for the errors of waiting commands. */
  pendingReason: MemkitError | undefined;

  /**
   * @param dynamic the members will change (discovery): rings are built so
   *   that a change moves only the keys of the servers it adds or removes.
   */
  constructor(
    nodes: readonly ServerNode[],
    hashing: Hashing,
    private readonly options: ResolvedOptions,
    dynamic = false,
  ) {
    super();
    this.factory = new LocatorFactory(hashing, dynamic);
    this.health = new Health(options, {
      pool: (address) => this.ring.byAddress.get(address),
      canFailover: () => this.ring.locator !== undefined,
      changed: () => this.onHealthChange(),
      emit: (event, address, error) => this.emit(event, address, error),
    });
    const pools = nodes.map((n) => this.createPool(n));
    this.ring = new Ring(nodes, pools, this.factory.now(nodes, nodes));
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

  /** The pool that serves `route` (a full key or its bytes). Throws ERR_SERVER_DEAD when none can. */
  poolFor(route: string | Uint8Array): ServerPool {
    const ring = this.ring;
    if (!ring.locator) {
      const only = ring.pools[0];
      if (only === undefined) throw this.notReadyError();
      return only;
    }
    const node = ring.locator.locate(route);
    if (!node)
      throw new MemkitError('ERR_SERVER_DEAD', 'no live server for this key: every server is marked dead');
    if (this.options.failover === 'error' && this.health.isDead(node.address)) {
      throw new MemkitError('ERR_SERVER_DEAD', `${node.address} is marked dead (failover: 'error')`, {
        server: node.address,
      });
    }
    return ring.byAddress.get(node.address)!;
  }

  /** True when `address` is currently marked dead. */
  isDead(address: string): boolean {
    return this.health.isDead(address);
  }

  /**
   * Resolves once a server is known; rejects with ERR_TIMEOUT after
   * `timeoutMs`, ERR_ABORTED on `signal`, ERR_CLIENT_CLOSED on close.
   */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closed) return Promise.reject(new MemkitError('ERR_CLIENT_CLOSED', 'the client is closed'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (e: Error) => {
          done();
          reject(e);
        },
      };
      const timer = setTimeout(() => waiter.reject(this.notReadyError(timeoutMs)), timeoutMs);
      const onAbort = () =>
        waiter.reject(
          new MemkitError('ERR_ABORTED', 'aborted while waiting for servers', { cause: signal?.reason }),
        );
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
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
  }

  /** Graceful close of every pool (see `ServerPool.end`); `close()` meanwhile cuts it short. */
  async end(): Promise<void> {
    this.stop();
    await Promise.all([...this.ring.pools, ...this.retiring].map((p) => p.end()));
  }

  /**
   * No more topology changes, dead-server probes or dead marks, and commands
   * still waiting for a first topology fail.
   */
  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.health.close();
    const err = new MemkitError('ERR_CLIENT_CLOSED', 'the client is closed');
    for (const w of [...this.waiters]) w.reject(err);
  }

  private async apply(nodes: readonly ServerNode[], version: number): Promise<TopologyEvent | undefined> {
    if (this.closed) return undefined;
    const before = this.ring;
    const diff = diffTopology(before.members, nodes);
    if (isEmptyDiff(diff)) return undefined;
    const live = () => nodes.filter((n) => !this.health.isDead(n.address));
    const builtFor = live();
    let locator = diff.ringChanged ? await this.factory.sliced(nodes, builtFor) : before.locator;
    if (this.closed) return undefined;
    // Health may have changed while the ring was built; that rebuild only re-sorts cached points.
    if (diff.ringChanged && addresses(live()) !== addresses(builtFor))
      locator = this.factory.now(nodes, live());
    const moved = new Set(diff.moved.map(([old]) => old.address));
    const pools = nodes.map((n) => {
      const kept = before.byAddress.get(n.address);
      return kept && !moved.has(n.address) ? kept : this.createPool(n);
    });
    const next = new Ring(nodes, pools, locator);
    this.ring = next;
    this.version = version;
    // Routing no longer reaches these pools; they finish what they were sent, then close.
    const leaving = [...diff.removed.map((n) => n.address), ...moved];
    for (const address of leaving) {
      const pool = before.byAddress.get(address)!;
      if (!moved.has(address)) this.health.forget(address);
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
    if (this.ready) for (const w of [...this.waiters]) w.resolve();
    return event;
  }

  private onHealthChange(): void {
    if (this.closed || this.options.failover !== 'rehash') return;
    const before = this.ring;
    if (before.locator === undefined) return;
    const live = before.members.filter((n) => !this.health.isDead(n.address));
    const next = new Ring(before.members, before.pools, this.factory.now(before.members, live));
    this.ring = next;
    this.emit('ring', { reason: 'health', previous: before, next } satisfies RingChange);
  }

  private createPool(node: ServerNode): ServerPool {
    const pool = new ServerPool(node, this.options);
    pool.on('failure', (address: string, err: MemkitError, count: number) => {
      // A pool that is no longer the member's (left, or replaced after a move) says nothing about health.
      if (this.ring.byAddress.get(address) === pool) this.health.onFailure(address, err, count);
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

function addresses(nodes: readonly ServerNode[]): string {
  return nodes.map((n) => n.address).join(' ');
}
