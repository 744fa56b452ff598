/**
 * Replicas (`replicas: n`): where the copies of a key live, which of them a
 * read asks, and how many must answer a write for it to count
 * (`replicaWrites`). The commands that use this are in
 * `commands/replicated.ts` (single key) and `commands/replicated-multi.ts`.
 *
 * - Placement: the key's `n` distinct servers of the full ring (every
 *   member, dead or alive): ketama's owner then the next distinct owners
 *   clockwise, modula's bucket then the next buckets (`NodeLocator.locateN`).
 *   A dead replica is skipped, never replaced by another server: the copies
 *   stay where reads look for them, and nothing is rehashed.
 * - Reads: the first replica in that order that is live and has no
 *   invalidation pending for the key; on an outage (timeout, dropped or
 *   refused connection, dead server) the next one, within the call's one
 *   deadline. A miss is a miss: the next replica is not asked.
 * - Writes: every live replica; the call settles once all answered.
 *   Replicas that are dead or failed have the key noted for invalidation
 *   (invalidations.ts), so they delete it before serving again.
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import { channels } from '../diagnostics';
import type { WireKey } from '../keys';
import type { ResolvedOptions } from '../options';
import type { KeyFailure } from '../partial';
import { isOutage } from '../routes/outage';

/** The `replica:failure` event and `memkit:replica:failure` message. */
export interface ReplicaFailureMessage {
  /** The client method, e.g. `set`, `setMulti`. */
  command: string;
  /**
   * Copies that failed, per server (`server`, the caller's `keys`, `error`),
   * while enough others answered for the call to succeed (`replicaWrites`).
   * Each failed copy is invalidated on its server before that server serves
   * the key again.
   */
  failures: KeyFailure[];
}

/** The copies of one key: live replica pools in replica order, and the addresses of dead replicas. */
export interface ReplicaSet {
  live: ServerPool[];
  down: string[];
}

/** How many of `n` copies must answer a write (`replicaWrites`). */
export function requiredCopies(mode: ResolvedOptions['replicaWrites'], n: number): number {
  if (mode === 'all') return n;
  if (mode === 'majority') return Math.floor(n / 2) + 1;
  return Math.min(1, n);
}

/**
 * The replicas a read of `key` asks, in order: live ones without a pending
 * invalidation of `key` (their copy may be older than the others'), healthy
 * ones before suspect ones (those that just failed: a timeout, a dropped
 * connection), each group in replica order. When every live copy has an
 * invalidation pending, all of them, with `stale` set: the read still goes
 * out (so that a failed server is a failure) but a hit is answered as a miss.
 */
export function readOrder(
  ctx: Context,
  live: readonly ServerPool[],
  key: WireKey,
): { order: readonly ServerPool[]; stale: boolean } {
  const cluster = ctx.cluster;
  let order = live;
  let stale = false;
  if (cluster.invalidations.pending !== 0) {
    order = live.filter((p) => !cluster.stale(p, key));
    if (order.length === 0) {
      order = live;
      stale = true;
    }
  }
  if (order.every((p) => p.failures === 0)) return { order, stale };
  return {
    order: [...order.filter((p) => p.failures === 0), ...order.filter((p) => p.failures !== 0)],
    stale,
  };
}

/** Whether a read that failed with `err` may go on to the next replica. */
export function canFailOver(err: unknown): boolean {
  return isOutage(err);
}

/** The error of a dead replica's copy. */
export function deadReplica(address: string): MemkitError {
  return new MemkitError('ERR_SERVER_DEAD', `${address} is marked dead (its copy is invalidated on return)`, {
    server: address,
  });
}

/** Every replica of the key is dead. */
export function noReplica(down: readonly string[]): MemkitError {
  return new MemkitError(
    'ERR_SERVER_DEAD',
    `every replica of this key is marked dead (${down.join(', ') || 'no server'})`,
    down.length > 0 ? { server: down[0] } : {},
  );
}

/**
 * A write of `key` to `copies` leaves these to forget it: its dead replicas
 * (they delete it before serving again) and, after membership changes, the
 * servers that held its copies under the rings before them (the `previous`
 * chain) and no longer do: their copy would be stale if the key moved back
 * to them (deleted once per change, see `Invalidations.noteMoved`).
 */
export function noteDown(ctx: Context, copies: ReplicaSet, key: WireKey): void {
  const notes = ctx.cluster.invalidations;
  for (const address of copies.down) notes.note(address, key, '');
  const ring = ctx.cluster.current;
  for (let before = ring.previous; before !== undefined; before = before.previous) {
    const held = before.locator?.locateN
      ? before.locator.locateN(key.route, ctx.options.replicas)
      : before.members.slice(0, 1);
    for (const node of held) {
      const a = node.address;
      // A server that left is flushed if it ever rejoins (cluster.ts).
      if (!ring.byAddress.has(a) || copies.down.includes(a) || copies.live.some((p) => p.node.address === a))
        continue;
      notes.noteMoved(a, key);
    }
  }
}

/** Reports copies that failed while the write still counted as stored (`replica:failure`). */
export function reportTolerated(ctx: Context, command: string, failures: KeyFailure[]): void {
  if (failures.length === 0) return;
  const message: ReplicaFailureMessage = { command, failures };
  if (channels.replicaFailure.hasSubscribers) channels.replicaFailure.publish(message);
  ctx.cluster.emit('replica:failure', message);
}

/** ms left of a call that must end at `deadline` (performance.now() time). */
export function remaining(deadline: number): number {
  return Math.max(0, Math.floor(deadline - performance.now()));
}
