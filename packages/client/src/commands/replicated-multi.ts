/**
 * Multi-key commands with `replicas` above 1 (single-key rules:
 * replicated.ts). getMulti/getsMulti read each key from its first healthy
 * replica, one batch per server; keys of a batch that failed on an outage
 * are asked again of their next replica, within the call's one deadline.
 * setMulti/deleteMulti send each key to every live replica (one batch per
 * server); a key counts as stored / deleted when `replicaWrites` of its
 * copies answered, and the answer reported (not stored, not found) is its
 * first answering replica's. Failures follow the partial-failure model
 * (partial.ts); copies that failed while the key still counted go to the
 * `replica:failure` event.
 */
import { KeyError, type MemkitError } from '@memkit/protocol';
import {
  canFailOver,
  deadReplica,
  noReplica,
  noteDown,
  readOrder,
  remaining,
  reportTolerated,
  requiredCopies,
} from '../cluster/replicas';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { Exchange } from '../exchanges/exchange';
import type { WireKey } from '../keys';
import type { CommandOptions } from '../options';
import { asServerError, callError, type KeyFailure, PartialFailureError } from '../partial';
import type { KeyGroup } from './group-keys';

/** A caller's key with its wire form and its replicas. */
interface Routed {
  /** Position in the caller's list. */
  i: number;
  key: WireKey;
  live: ServerPool[];
  down: string[];
}

/** Failures collected per server and error, in the order of their first key. */
class Failures {
  private readonly byServer = new Map<string, { first: number; failure: KeyFailure }>();

  add(server: string, key: string, position: number, error: MemkitError): void {
    const id = `${server}\n${error.code}`;
    const f = this.byServer.get(id);
    if (f) f.failure.keys.push(key);
    else this.byServer.set(id, { first: position, failure: { server, keys: [key], error } });
  }

  get size(): number {
    return this.byServer.size;
  }

  list(): KeyFailure[] {
    return [...this.byServer.values()].sort((a, b) => a.first - b.first).map((f) => f.failure);
  }
}

/** Checks the keys (strings only), maps them and finds their replicas; nothing is sent yet. */
function route(ctx: Context, keys: readonly string[], prefix: string): Routed[] {
  const out: Routed[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (typeof key !== 'string') {
      const what =
        (key as unknown) instanceof Uint8Array
          ? 'a Uint8Array (binary keys work with single-key commands)'
          : typeof key;
      throw new KeyError(`multi-key commands take string keys, got ${what}`);
    }
    const k = ctx.key(key, prefix);
    const { live, down } = ctx.cluster.replicasFor(k.route);
    out.push({ i, key: k, live, down });
  }
  return out;
}

/** Builds one KeyGroup per pool from `(pool, routed)` pairs, keys in call order. */
function groupBy(keys: readonly string[], pairs: ReadonlyArray<[ServerPool, Routed]>): KeyGroup[] {
  const byPool = new Map<
    ServerPool,
    { keys: string[]; wires: string[]; positions: number[]; b64: boolean[] }
  >();
  for (const [pool, r] of pairs) {
    let g = byPool.get(pool);
    if (!g) {
      g = { keys: [], wires: [], positions: [], b64: [] };
      byPool.set(pool, g);
    }
    g.keys.push(keys[r.i]!);
    g.wires.push(r.key.wire);
    g.positions.push(r.i);
    g.b64.push(r.key.base64);
  }
  return [...byPool].map(([pool, g]) => ({
    pool,
    keys: g.keys,
    wires: g.wires,
    positions: g.positions,
    base64: g.b64.some(Boolean) ? g.b64 : undefined,
  }));
}

/** The index of the first replica from `from` on that is neither dead nor stale for the key, or -1. */
function nextReplica(
  ctx: Context,
  p: { r: Routed; order: readonly ServerPool[]; stale: boolean },
  from: number,
): number {
  for (let i = from; i < p.order.length; i++) {
    const pool = p.order[i]!;
    if (!ctx.cluster.isDead(pool.node.address) && (p.stale || !ctx.cluster.stale(pool, p.r.key))) return i;
  }
  return -1;
}

/** getMulti/getsMulti over replicas. */
export async function replicatedRetrieveMany<T>(
  ctx: Context,
  command: string,
  keys: readonly string[],
  opts: (CommandOptions & { keyPrefix?: string }) | undefined,
  withCas: boolean,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  const failures = new Failures();
  const deadline = performance.now() + (opts?.timeout ?? ctx.options.timeout);
  // Per key: the replicas it may be read from, and which one is next.
  let pending: Array<{ r: Routed; order: readonly ServerPool[]; next: number; stale: boolean }> = [];
  // Keys every live copy of which has an invalidation pending: read (a failure stays one), hits dropped.
  let staleKeys: string[] | undefined;
  for (const r of route(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix)) {
    if (r.live.length === 0) {
      const err = noReplica(r.down);
      failures.add(err.server ?? '', keys[r.i]!, r.i, err);
      continue;
    }
    const { order, stale } = readOrder(ctx, r.live, r.key);
    if (stale) {
      staleKeys ??= [];
      staleKeys.push(keys[r.i]!);
    }
    pending.push({ r, order, next: 0, stale });
  }
  let answered = 0;
  for (let round = 0; pending.length > 0; round++) {
    const groups = groupBy(
      keys,
      pending.map((p) => [p.order[p.next]!, p.r]),
    );
    const exchanges = groups.map((g) =>
      g.pool.dialect.getMulti<T>(command, g.wires, g.keys, out, ctx.serializer, withCas, g.base64),
    );
    const o = round === 0 ? opts : { ...opts, timeout: Math.max(1, remaining(deadline)) };
    const settled = await Promise.allSettled(
      exchanges.map((ex, gi) => ctx.dispatch(groups[gi]!.pool, ex, o)),
    );
    const byPosition = new Map(pending.map((p) => [p.r.i, p]));
    const retry: typeof pending = [];
    settled.forEach((s, gi) => {
      const g = groups[gi]!;
      if (s.status === 'fulfilled') {
        answered++;
        return;
      }
      const server = g.pool.node.address;
      const error = asServerError(s.reason, server, command);
      g.positions!.forEach((position, j) => {
        // A failed batch may have delivered some hits: only answered batches count.
        out.delete(g.keys[j]!);
        const p = byPosition.get(position)!;
        const next = canFailOver(error) && remaining(deadline) > 0 ? nextReplica(ctx, p, p.next + 1) : -1;
        if (next >= 0) retry.push({ ...p, next });
        else failures.add(server, g.keys[j]!, position, error);
      });
    });
    pending = retry;
  }
  if (staleKeys !== undefined) for (const k of staleKeys) out.delete(k);
  return settle(command, out, failures, answered);
}

/** setMulti/deleteMulti over replicas: `make` builds a server's batch (answering the indexes not done). */
export async function replicatedWriteMany(
  ctx: Context,
  command: string,
  keys: readonly string[],
  opts: (CommandOptions & { keyPrefix?: string }) | undefined,
  make: (g: KeyGroup) => Exchange<number[]>,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const routed = route(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix);
  const pairs: Array<[ServerPool, Routed]> = [];
  for (const r of routed) for (const pool of r.live) pairs.push([pool, r]);
  const groups = groupBy(keys, pairs);
  // Encode every batch first: an invalid key or value fails the call before anything is sent.
  const exchanges = groups.map(make);
  for (const r of routed) noteDown(ctx, r, r.key);
  const settled = await Promise.allSettled(
    exchanges.map((ex, gi) => ctx.dispatch(groups[gi]!.pool, ex, opts)),
  );
  // Per pool: its outcome, and the caller positions it did not store / find.
  const outcome = new Map<ServerPool, { error?: MemkitError; notDone: Set<number> }>();
  settled.forEach((s, gi) => {
    const g = groups[gi]!;
    const server = g.pool.node.address;
    if (s.status === 'fulfilled') {
      outcome.set(g.pool, { notDone: new Set(s.value.map((j) => g.positions![j]!)) });
      return;
    }
    const error = asServerError(s.reason, server, command);
    outcome.set(g.pool, { error, notDone: new Set() });
    // The copies it may hold are invalidated there once it is reachable.
    g.wires.forEach((wire, j) => {
      g.pool.writeFailed({ wire, base64: g.base64?.[j] === true, route: wire }, error);
    });
  });
  const failures = new Failures();
  const tolerated = new Failures();
  const notDone: number[] = [];
  let answeredKeys = 0;
  const mode = ctx.options.replicaWrites;
  for (const r of routed) {
    const key = keys[r.i]!;
    let answered = 0;
    let first: boolean | undefined;
    const failed: Array<[string, MemkitError]> = [];
    for (const pool of r.live) {
      const o = outcome.get(pool)!;
      if (o.error) failed.push([pool.node.address, o.error]);
      else if (answered++ === 0) first = o.notDone.has(r.i);
    }
    for (const address of r.down) failed.push([address, deadReplica(address)]);
    if (answered > 0) answeredKeys++;
    const enough = answered > 0 && answered >= requiredCopies(mode, r.live.length + r.down.length);
    if (enough && first) notDone.push(r.i);
    const into = enough ? tolerated : failures;
    for (const [server, error] of failed) into.add(server, key, r.i, error);
  }
  reportTolerated(ctx, command, tolerated.list());
  return settle(
    command,
    notDone.map((i) => keys[i]!),
    failures,
    answeredKeys,
  );
}

/** The partial-failure model: the result, the first error when nothing answered, else ERR_PARTIAL_FAILURE. */
function settle<T>(command: string, result: T, failures: Failures, answered: number): T {
  if (failures.size === 0) return result;
  const list = failures.list();
  const own = callError(list.map((f) => f.error));
  if (own) throw own;
  if (answered === 0) throw list[0]!.error;
  throw new PartialFailureError(command, result, list);
}
