/**
 * The one grouping of multi-key calls (getMulti, getsMulti, setMulti,
 * deleteMulti): the caller's keys by server, with their wire form, and
 * without a per-key object (a 100-key getMulti is the hot path).
 *
 * Multi-key calls take string keys only. Their results name keys (a Map
 * keyed by the caller's keys, lists of keys not stored / not found), which a
 * `Uint8Array` cannot be usefully; binary keys are for the single-key
 * commands. (With `keyMapping: 'auto'` a string may still go out as a
 * binary wire key: `KeyGroup.base64` marks those.)
 */
import { KeyError, MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';

/** One server's share of a multi-key call. */
export interface KeyGroup {
  pool: ServerPool;
  /** The caller's keys for this server, in call order. */
  keys: readonly string[];
  /** `keys[i]` as written on the wire (prefix applied). */
  wires: readonly string[];
  /**
   * Position of `keys[i]` in the caller's list; undefined when the group is
   * the caller's whole list in order (one server).
   */
  positions: readonly number[] | undefined;
  /** Set when some wire keys are base64 tokens (mapped binary keys): `wires[i]` is one where `base64[i]`. */
  base64: readonly boolean[] | undefined;
}

/** Keys that could not be routed (their server is dead), with why. */
export interface UnroutedKeys {
  /** The server that would have held them, when known. */
  server: string | undefined;
  keys: string[];
  /** Position of `keys[i]` in the caller's list. */
  positions: number[];
  error: MemkitError;
}

/** The groups of a multi-key call, in first-seen server order, and the keys no server can take. */
export interface Grouping {
  groups: KeyGroup[];
  unrouted: UnroutedKeys[];
  /**
   * Reads only: keys sent to a server where an invalidation of them is still
   * pending (a write of theirs failed there): a hit of theirs may be stale
   * and must be answered as a miss. Undefined when there are none.
   */
  stale?: string[];
}

/**
 * Groups `keys` by server, prefixing each with `prefix`. Throws `KeyError`
 * for a key that is not a string; other key checks are the encoders'.
 * `write`: routed as writes (keys whose home is out are noted for
 * invalidation); otherwise keys with an invalidation pending on their
 * server are still sent (so that a failed server is a failure, never a
 * miss) and listed in `stale`.
 */
export function groupKeys(ctx: Context, keys: readonly string[], prefix: string, write = false): Grouping {
  const cluster = ctx.cluster;
  const pools = cluster.pools;
  const ring = cluster.current;
  // One server, nothing dead, no moved keys to note, nothing to invalidate: every key goes to it.
  const direct =
    pools.length === 1 &&
    !ring.degraded &&
    (write ? ring.previous === undefined : cluster.invalidations.pending === 0);
  if (direct && !ctx.mapKeys) {
    for (const key of keys) checkString(key);
    // Unprefixed keys go out as given: no copy of the caller's array.
    const wires = prefix === '' ? keys : keys.map((k) => prefix + k);
    return {
      groups: [{ pool: pools[0]!, keys, wires, positions: undefined, base64: undefined }],
      unrouted: [],
    };
  }
  const byPool = new Map<ServerPool, Building>();
  const unrouted = new Map<string | undefined, UnroutedKeys>();
  let stale: string[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    checkString(key);
    let wire: string;
    let route: string | Uint8Array;
    let base64 = false;
    if (ctx.mapKeys) {
      const mapped = ctx.key(key, prefix);
      ({ wire, route, base64 } = mapped);
    } else {
      wire = prefix === '' ? key : prefix + key;
      route = wire;
    }
    let pool: ServerPool;
    try {
      if (direct) pool = pools[0]!;
      else if (write) pool = cluster.writePoolFor({ wire, base64, route });
      else {
        pool = cluster.poolFor(route);
        if (cluster.invalidations.pending !== 0 && cluster.stale(pool, { wire, base64, route })) {
          stale ??= [];
          stale.push(key);
        }
      }
    } catch (err) {
      const error =
        err instanceof MemkitError ? err : new MemkitError('ERR_SERVER_DEAD', String(err), { cause: err });
      let u = unrouted.get(error.server);
      if (!u) {
        u = { server: error.server, keys: [], positions: [], error };
        unrouted.set(error.server, u);
      }
      u.keys.push(key);
      u.positions.push(i);
      continue;
    }
    let g = byPool.get(pool);
    if (!g) {
      g = { pool, keys: [], wires: [], positions: [], flags: [], anyBase64: false };
      byPool.set(pool, g);
    }
    g.keys.push(key);
    g.wires.push(wire);
    g.positions.push(i);
    if (ctx.mapKeys) {
      g.flags.push(base64);
      if (base64) g.anyBase64 = true;
    }
  }
  const groups = [...byPool.values()].map(
    ({ pool, keys, wires, positions, flags, anyBase64 }): KeyGroup => ({
      pool,
      keys,
      wires,
      positions,
      base64: anyBase64 ? flags : undefined,
    }),
  );
  return stale === undefined
    ? { groups, unrouted: [...unrouted.values()] }
    : { groups, unrouted: [...unrouted.values()], stale };
}

/** A group while keys are added to it. */
interface Building {
  pool: ServerPool;
  keys: string[];
  wires: string[];
  positions: number[];
  flags: boolean[];
  anyBase64: boolean;
}

/** Refuses anything but a string (JS callers) instead of coercing it. */
function checkString(key: unknown): void {
  if (typeof key !== 'string') {
    const what =
      key instanceof Uint8Array ? 'a Uint8Array (binary keys work with single-key commands)' : typeof key;
    throw new KeyError(`multi-key commands take string keys, got ${what}`);
  }
}
