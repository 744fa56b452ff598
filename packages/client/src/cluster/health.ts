/**
 * Server health, apart from hashing and membership: the circuit breaker of
 * each server. Its states, in plain words:
 *
 * - `healthy`: calls go to it.
 * - `suspect`: a connect failed, a command timed out or a connection dropped,
 *   fewer than `failureThreshold` times in a row. Calls still go to it (and
 *   may fail: a timed-out write is an error to its caller, and reads are not
 *   moved elsewhere on a guess); one good reply makes it healthy again.
 * - `dead`: `failureThreshold` failures in a row. Its connections are
 *   dropped and calls no longer wait on it: its keys go where `failover`
 *   says (other servers, the gutter pool, an error at once). After
 *   `deadRetryDelay` it is probed.
 * - `probing`: exactly one probe (`version`) is in flight; calls still route
 *   around it. If the probe fails it is dead again for `deadRetryDelay`; if
 *   it answers, what it missed is invalidated on it first (`returning`),
 *   then it is healthy and takes its keys back.
 *
 * Every change is published as a `server:state` event (and on the
 * `memkit:server:state` channel); `server:dead` and `server:alive` keep
 * their meaning.
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import { channels } from '../diagnostics';
import type { ResolvedOptions } from '../options';

/** A server's circuit-breaker state (see the module comment). */
export type ServerState = 'healthy' | 'suspect' | 'dead' | 'probing';

/** The `server:state` event and `memkit:server:state` message. */
export interface ServerStateChange {
  /** The server's address. */
  server: string;
  /** Its state now. */
  state: ServerState;
  /** Its state before. */
  previous: ServerState;
  /** The failure that caused the change, when one did. */
  error?: MemkitError;
}

/** What health tracking needs from its cluster. */
export interface HealthHooks {
  /** The current pool of a member, or undefined once it left the cluster. */
  pool(address: string): ServerPool | undefined;
  /** Whether marking a server dead can route its keys elsewhere. */
  canFailover(): boolean;
  /** The set of dead servers changed. */
  changed(): void;
  /**
   * The probe of a dead server succeeded: invalidate what it missed, then
   * call `revive` synchronously (no await between the last check and it).
   * Rejects when the server failed meanwhile (it stays dead).
   */
  returning(address: string, pool: ServerPool, revive: () => void): Promise<void>;
  /** `server:dead` (address, error) / `server:alive` (address) / `server:state` (change). */
  emit(
    event: 'server:dead' | 'server:alive' | 'server:state',
    subject: string | ServerStateChange,
    error?: MemkitError,
  ): void;
}

export class Health {
  /** Servers not healthy, with their state; absent means healthy. */
  private readonly states = new Map<string, ServerState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Dead or probing: routed around. */
  private readonly down = new Set<string>();
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: HealthHooks,
  ) {}

  /** True when `address` is routed around (dead, or dead and being probed). */
  isDead(address: string): boolean {
    return this.down.has(address);
  }

  /** The circuit-breaker state of `address`. */
  state(address: string): ServerState {
    return this.states.get(address) ?? 'healthy';
  }

  /** The addresses routed around now. */
  deadSet(): ReadonlySet<string> {
    return new Set(this.down);
  }

  /** A pool's consecutive failure count rose. */
  onFailure(address: string, err: MemkitError, count: number): void {
    if (this.closed || this.down.has(address)) return;
    if (count < this.options.failureThreshold || !this.hooks.canFailover()) {
      this.set(address, 'suspect', err);
      return;
    }
    this.markDead(address, err);
  }

  /** A pool answered after failures. */
  onRecovered(address: string): void {
    if (this.states.get(address) === 'suspect') this.set(address, 'healthy');
  }

  /** Routes around `address` until a probe brings it back (also used when a returning server fails). */
  markDead(address: string, err: MemkitError): void {
    if (this.closed || this.down.has(address)) return;
    this.down.add(address);
    this.set(address, 'dead', err);
    this.hooks.changed();
    this.hooks
      .pool(address)
      ?.reset(new MemkitError('ERR_SERVER_DEAD', `${address} marked dead`, { cause: err, server: address }));
    if (channels.serverDead.hasSubscribers) channels.serverDead.publish({ server: address, error: err });
    this.hooks.emit('server:dead', address, err);
    this.schedule(address, this.options.deadRetryDelay);
  }

  /** The server left the cluster: no more probes, no state. */
  forget(address: string): void {
    const timer = this.timers.get(address);
    if (timer) clearTimeout(timer);
    this.timers.delete(address);
    this.down.delete(address);
    this.states.delete(address);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private set(address: string, state: ServerState, error?: MemkitError): void {
    const previous = this.state(address);
    if (previous === state) return;
    if (state === 'healthy') this.states.delete(address);
    else this.states.set(address, state);
    const change: ServerStateChange = error
      ? { server: address, state, previous, error }
      : { server: address, state, previous };
    if (channels.serverState.hasSubscribers) channels.serverState.publish(change);
    this.hooks.emit('server:state', change);
  }

  private schedule(address: string, delay: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(address);
      void this.probe(address);
    }, delay);
    timer.unref();
    this.timers.set(address, timer);
  }

  /** The one probe of a dead server (a timer starts it; the next is scheduled only once it ended). */
  private async probe(address: string): Promise<void> {
    const pool = this.hooks.pool(address);
    if (!pool || this.closed || !this.down.has(address)) return;
    this.set(address, 'probing');
    pool.resetBackoff();
    const current = () => !this.closed && this.hooks.pool(address) === pool;
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
      // Gone from the cluster while the probe ran: nothing to bring back.
      if (!current()) return;
      await this.hooks.returning(address, pool, () => this.revive(address, pool));
    } catch (err) {
      if (!current() || !this.down.has(address)) return;
      this.set(address, 'dead', err instanceof MemkitError ? err : undefined);
      this.schedule(address, this.options.deadRetryDelay);
    }
  }

  /** Back in service: called synchronously once what it missed is invalidated. */
  private revive(address: string, pool: ServerPool): void {
    if (this.closed || this.hooks.pool(address) !== pool || !this.down.has(address)) return;
    this.down.delete(address);
    pool.resetBackoff();
    this.set(address, 'healthy');
    this.hooks.changed();
    if (channels.serverAlive.hasSubscribers) channels.serverAlive.publish({ server: address });
    this.hooks.emit('server:alive', address);
  }
}
