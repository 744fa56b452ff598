/**
 * What each server must forget before it may serve again: the keys written
 * while their writes could not reach it. Without this, a server that comes
 * back from the dead (or a key that moves back to a server) serves the value
 * it held before, which the application has since overwritten or deleted.
 *
 * A key is noted under a server when:
 * - its home server is dead and the write went elsewhere (another server,
 *   the gutter pool) or nowhere: noted with where it went, so that copy (a
 *   stray, stale the next time the home server dies) is deleted too once the
 *   home server is back;
 * - a membership change moved it away from a server that stays: that server
 *   no longer owns it, so deleting its copy now is only cleanup;
 * - a write to that server failed (timeout, dropped connection): the server
 *   may hold the old value, or apply the write later.
 *
 * A dead server's notes are replayed when its probe succeeds, as pipelined
 * quiet `md` (text: `delete`), BEFORE it takes traffic again (`replay`); a
 * live server's notes are delivered in the background (`drain`). Each
 * server's notes are bounded by `invalidationBudget` keys: past it they are
 * dropped and the server is flushed (`flush_all`) when it returns, said by
 * an `invalidation` event with `overflow: true` (and on `memkit:invalidation`).
 */
import type { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import { channels } from '../diagnostics';
import type { WireKey } from '../keys';

/** The `invalidation` event and `memkit:invalidation` message. */
export interface InvalidationMessage {
  /** The server the keys were invalidated on (or that overflowed). */
  server: string;
  /**
   * What happened: `'replayed'` (a server coming back got its missed keys
   * deleted before taking traffic), `'flushed'` (it was flushed instead, its
   * notes having overflowed), `'delivered'` (notes of a server in service,
   * sent in the background), `'overflow'` (notes past the budget were dropped:
   * the server will be flushed when it returns).
   */
  kind: 'replayed' | 'flushed' | 'delivered' | 'overflow';
  /** How many keys (0 for `flushed` and `overflow`). */
  keys: number;
  /** In plain words, for logs. */
  message: string;
}

/** What the notes need from their cluster. */
export interface InvalidationHooks {
  /** The pool of a member or gutter server, or undefined. */
  pool(address: string): ServerPool | undefined;
  /** True while `address` is routed around (its notes wait for its return). */
  isDown(address: string): boolean;
  /** Notes of a server in service could not be delivered within the budget. */
  undeliverable(address: string, err: MemkitError | undefined): void;
  emit(message: InvalidationMessage): void;
  /** ms: per-request deadline of invalidations. */
  timeout: number;
  /** ms: wait before retrying a failed background delivery. */
  retryDelay: number;
}

/** Keys per `md` batch (one exchange each, pipelined). */
const BATCH = 500;
/** Batches in flight at once: 10 000 keys, well within a timeout on a reachable server. */
const WINDOW = 20;
/** Rounds of replay before a server whose keys keep being written elsewhere is flushed instead. */
const MAX_ROUNDS = 20;

/** One server's notes: key slot → the server the write went to instead ('' for none). */
class ServerNotes {
  readonly keys = new Map<string, string>();
  overflowed = false;
}

export class Invalidations {
  private readonly notes = new Map<string, ServerNotes>();
  /**
   * Per server, keys delivered (deleted there) since the last membership
   * change, at most `budget` each: `noteMoved` skips them.
   */
  private readonly clean = new Map<string, Set<string>>();
  /** Keys noted over all servers: reads consult the notes only while this is above 0. */
  pending = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private closed = false;

  constructor(
    /** Most keys noted per server; 0 turns invalidation off. */
    readonly budget: number,
    private readonly hooks: InvalidationHooks,
  ) {}

  get enabled(): boolean {
    return this.budget > 0;
  }

  /** A write of `key` whose home is `server` went to `to` ('' when to no server, or it failed there). */
  note(server: string, key: WireKey, to: string): void {
    if (!this.enabled || this.closed) return;
    let n = this.notes.get(server);
    if (!n) {
      n = new ServerNotes();
      this.notes.set(server, n);
    }
    if (n.overflowed) return;
    const slot = slotOf(key);
    const before = n.keys.size;
    n.keys.set(slot, to);
    if (n.keys.size === before) return;
    this.pending++;
    if (n.keys.size > this.budget) this.overflow(server, n);
    else if (!this.hooks.isDown(server)) this.scheduleDrain(0);
  }

  /**
   * A write of `key`, which the last membership change moved away from
   * `server` (still a member), went to its new owner: `server`'s copy is
   * stale now. Noted like `note`, except when it was already deleted there
   * since that change (nothing has written it there since), so that a key
   * written again and again costs one delete, not one per write.
   */
  noteMoved(server: string, key: WireKey): void {
    if (this.clean.get(server)?.has(slotOf(key))) return;
    this.note(server, key, '');
  }

  /** A membership change: keys deleted since the last one may be written on those servers again. */
  topologyChanged(): void {
    this.clean.clear();
  }

  /** Marks `server` for a flush when it next comes back (e.g. it left the cluster and may rejoin). */
  flushOnReturn(server: string): void {
    if (!this.enabled) return;
    let n = this.notes.get(server);
    if (!n) {
      n = new ServerNotes();
      this.notes.set(server, n);
    }
    this.pending -= n.keys.size;
    n.keys.clear();
    n.overflowed = true;
  }

  /** True when a read of `key` on `server` must not trust that server yet (an invalidation is pending). */
  pendingOn(server: string, key: WireKey): boolean {
    const n = this.notes.get(server);
    return n !== undefined && (n.overflowed || n.keys.has(slotOf(key)));
  }

  /** Number of keys noted for `server`, and whether it overflowed (diagnostics). */
  describe(server: string): { keys: number; overflowed: boolean } {
    const n = this.notes.get(server);
    return { keys: n?.keys.size ?? 0, overflowed: n?.overflowed ?? false };
  }

  /**
   * `server` is coming back on `pool`: deletes the keys it missed (or
   * flushes it when its notes overflowed, or when `flushed` says it already
   * was), round after round while writes keep adding keys, then calls
   * `revive` synchronously with nothing left. Afterwards the copies those
   * writes left elsewhere are deleted in the background. Rejects (notes kept)
   * when the server fails meanwhile.
   */
  async replay(server: string, pool: ServerPool, revive: () => void, flushed = false): Promise<void> {
    const strays = new Map<string, string[]>();
    let replayed = 0;
    let flushedNow = false;
    for (let round = 0; ; round++) {
      const n = this.notes.get(server);
      if (!n || (n.keys.size === 0 && !n.overflowed)) break;
      const slots = [...n.keys.keys()];
      const to = [...n.keys.values()];
      this.pending -= n.keys.size;
      n.keys.clear();
      const flush = n.overflowed || round >= MAX_ROUNDS;
      n.overflowed = false;
      try {
        if (flush && !flushed) {
          await this.flush(pool);
          flushedNow = true;
        } else if (!flushed) await this.deleteOn(pool, slots);
      } catch (err) {
        // Back as they were (plus anything noted meanwhile): the server failed again.
        for (let i = 0; i < slots.length; i++) this.note(server, keyOf(slots[i]!), to[i]!);
        if (flush) this.notes.get(server)!.overflowed = true;
        throw err;
      }
      replayed += slots.length;
      slots.forEach((slot, i) => {
        const target = to[i]!;
        if (target !== '' && target !== server)
          (strays.get(target) ?? strays.set(target, []).get(target)!).push(slot);
      });
    }
    this.notes.delete(server);
    revive();
    if (flushedNow)
      this.publish(
        server,
        'flushed',
        0,
        `${server} was flushed before taking traffic again (its invalidations had overflowed)`,
      );
    else if (replayed > 0 && !flushed)
      this.publish(
        server,
        'replayed',
        replayed,
        `${server}: ${replayed} key(s) written elsewhere while it was out were deleted on it before it took traffic again`,
      );
    // The copies left on the servers that stood in are strays now: stale the next time this one dies.
    for (const [target, slots] of strays) for (const slot of slots) this.note(target, keyOf(slot), '');
  }

  /** The server left the cluster for good or was replaced: its notes are dropped. */
  forget(server: string): void {
    const n = this.notes.get(server);
    if (n) this.pending -= n.keys.size;
    this.notes.delete(server);
    this.clean.delete(server);
  }

  /** `slots` were deleted on `server` (in the background): remembered for `noteMoved`, within the budget. */
  private delivered(server: string, slots: readonly string[]): void {
    let c = this.clean.get(server);
    if (!c) {
      c = new Set();
      this.clean.set(server, c);
    }
    for (const slot of slots) {
      if (c.size >= this.budget) return;
      c.add(slot);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.drainTimer);
  }

  private overflow(server: string, n: ServerNotes): void {
    this.pending -= n.keys.size;
    n.keys.clear();
    n.overflowed = true;
    this.publish(
      server,
      'overflow',
      0,
      `${server}: more than ${this.budget} keys to invalidate (invalidationBudget); it will be flushed (flush_all) when it comes back instead`,
    );
    if (!this.hooks.isDown(server)) this.hooks.undeliverable(server, undefined);
  }

  private publish(server: string, kind: InvalidationMessage['kind'], keys: number, message: string): void {
    const m: InvalidationMessage = { server, kind, keys, message };
    if (channels.invalidation.hasSubscribers) channels.invalidation.publish(m);
    this.hooks.emit(m);
  }

  private scheduleDrain(delay: number): void {
    if (this.drainTimer !== undefined || this.closed) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      void this.drain();
    }, delay);
    this.drainTimer.unref();
  }

  /** Delivers the notes of servers in service (dead ones wait for `replay`). */
  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    let failed = false;
    try {
      const work: Promise<void>[] = [];
      for (const [server, n] of this.notes) {
        if (n.keys.size === 0 || n.overflowed || this.hooks.isDown(server)) continue;
        const pool = this.hooks.pool(server);
        if (!pool) {
          this.forget(server);
          continue;
        }
        const slots = [...n.keys.keys()];
        this.pending -= n.keys.size;
        n.keys.clear();
        work.push(
          this.deleteOn(pool, slots).then(
            () => {
              this.delivered(server, slots);
              this.publish(
                server,
                'delivered',
                slots.length,
                `${server}: ${slots.length} key(s) invalidated in the background`,
              );
            },
            () => {
              failed = true;
              for (const slot of slots) this.note(server, keyOf(slot), '');
            },
          ),
        );
      }
      await Promise.all(work);
    } finally {
      this.draining = false;
    }
    if (failed) this.scheduleDrain(this.hooks.retryDelay);
    else if ([...this.notes].some(([s, n]) => n.keys.size > 0 && !this.hooks.isDown(s)))
      this.scheduleDrain(0);
  }

  /**
   * Pipelined deletes of `slots` on `pool`, in batches of BATCH keys, WINDOW
   * batches in flight at a time (each window within the timeout, however
   * many keys there are); rejects when any batch failed.
   */
  private async deleteOn(pool: ServerPool, slots: readonly string[]): Promise<void> {
    for (let start = 0; start < slots.length; start += BATCH * WINDOW) {
      const batches: Promise<unknown>[] = [];
      const end = Math.min(slots.length, start + BATCH * WINDOW);
      const deadline = performance.now() + this.hooks.timeout;
      for (let i = start; i < end; i += BATCH) {
        const keys = slots.slice(i, Math.min(end, i + BATCH)).map(keyOf);
        const base64 = keys.some((k) => k.base64) ? keys.map((k) => k.base64) : undefined;
        const ex = pool.dialect.deleteMulti(
          keys.map((k) => k.wire),
          base64,
        );
        ex.deadline = deadline;
        pool.send(ex);
        batches.push(ex.promise);
      }
      await Promise.all(batches);
    }
  }

  private async flush(pool: ServerPool): Promise<void> {
    const f = pool.dialect.flushAll(undefined);
    f.deadline = performance.now() + this.hooks.timeout;
    pool.send(f);
    await f.promise;
  }
}

/** A key as a map key: base64 tokens get a prefix no text key can have (text keys hold no space). */
function slotOf(key: WireKey): string {
  return key.base64 ? `b ${key.wire}` : key.wire;
}

function keyOf(slot: string): WireKey {
  return slot.startsWith('b ')
    ? { wire: slot.slice(2), base64: true, route: '' }
    : { wire: slot, base64: false, route: slot };
}
