/**
 * Server health, apart from hashing and membership: after
 * `failureThreshold` consecutive failures a server is dead for `deadRetry`;
 * then it is probed with `version` and rejoins if it answers (flushed first
 * with `flushOnReconnect`). The cluster decides what "dead" does to routing.
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import { channels } from '../diagnostics';
import type { ResolvedOptions } from '../options';

/** What health tracking needs from its cluster. */
export interface HealthHooks {
  /** The current pool of a member, or undefined once it left the cluster. */
  pool(address: string): ServerPool | undefined;
  /** Whether marking a server dead can route its keys elsewhere (more than one server). */
  canFailover(): boolean;
  /** The set of dead servers changed. */
  changed(): void;
  /** `server:dead` (address, error) / `server:alive` (address). */
  emit(event: 'server:dead' | 'server:alive', address: string, error?: MemkitError): void;
}

export class Health {
  private readonly dead = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: HealthHooks,
  ) {}

  /** True when `address` is currently marked dead. */
  isDead(address: string): boolean {
    return this.dead.has(address);
  }

  /** A pool's consecutive failure count rose. */
  onFailure(address: string, err: MemkitError, count: number): void {
    if (this.closed || !this.hooks.canFailover() || this.dead.has(address)) return;
    if (count < this.options.failureThreshold) return;
    this.dead.set(address, performance.now() + this.options.deadRetryDelay);
    this.hooks.changed();
    this.hooks
      .pool(address)
      ?.reset(new MemkitError('ERR_SERVER_DEAD', `${address} marked dead`, { cause: err }));
    if (channels.serverDead.hasSubscribers) channels.serverDead.publish({ server: address, error: err });
    this.hooks.emit('server:dead', address, err);
    this.schedule(address, this.options.deadRetryDelay);
  }

  /** The server left the cluster: no more probes, no dead mark. */
  forget(address: string): void {
    const timer = this.timers.get(address);
    if (timer) clearTimeout(timer);
    this.timers.delete(address);
    this.dead.delete(address);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(address: string, delay: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(address);
      void this.probe(address);
    }, delay);
    timer.unref();
    this.timers.set(address, timer);
  }

  private async probe(address: string): Promise<void> {
    const pool = this.hooks.pool(address);
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
      if (!this.closed && this.hooks.pool(address) === pool)
        this.schedule(address, this.options.deadRetryDelay);
      return;
    }
    // Gone from the cluster while the probe ran: nothing to bring back.
    if (this.closed || this.hooks.pool(address) !== pool) return;
    this.dead.delete(address);
    this.hooks.changed();
    if (channels.serverAlive.hasSubscribers) channels.serverAlive.publish({ server: address });
    this.hooks.emit('server:alive', address);
  }
}
