/**
 * A ring: one immutable snapshot of routing — the member servers, their
 * pools, and the locator over the live ones. The cluster swaps whole rings,
 * so a request sees either the old routing or the new one, never a mix, and
 * a change can be described by its two rings (`owner(key)` before and after).
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { HashingName } from '../options';
import { PointCache } from './continuum';
import { type KetamaHashing, KetamaLocator } from './ketama';
import type { NodeLocator, ServerNode } from './locator';
import { ModulaLocator } from './modula';

/** The `hashing` option: a built-in scheme or a factory of your own locator. */
export type Hashing = HashingName | ((nodes: readonly ServerNode[]) => NodeLocator);

/** The `hashing` names that are ketama rings (the locator takes the same names). */
const KETAMA: ReadonlySet<string> = new Set<KetamaHashing>(['ketama', 'ketama-oaat', 'ketama-md5']);

/** `hashing` as a ketama hashing, or undefined for modula and custom locators. */
function ketamaHashing(hashing: Hashing): KetamaHashing | undefined {
  return typeof hashing === 'string' && KETAMA.has(hashing) ? (hashing as KetamaHashing) : undefined;
}

const NONE: ReadonlySet<string> = new Set();

/** An immutable routing snapshot. */
export class Ring {
  /** Pools by server address. */
  readonly byAddress: ReadonlyMap<string, ServerPool>;
  /** True when some member is routed around (dead): routing takes the slower, checking path. */
  readonly degraded: boolean;

  constructor(
    /** Member servers, in configuration (or canonical) order. */
    readonly members: readonly ServerNode[],
    /** One pool per member, same order. */
    readonly pools: readonly ServerPool[],
    /** Maps keys to members, dead or not (their home); undefined with at most one member. */
    readonly locator: NodeLocator | undefined,
    /** Maps keys to live members (`failover: 'rehash'`); `locator` itself when none is dead. */
    readonly live: NodeLocator | undefined = locator,
    /** Members routed around when this ring was made. */
    readonly dead: ReadonlySet<string> = NONE,
    /**
     * The ring before the last membership change, while writes of the keys
     * it moved are tracked (see invalidations.ts), itself holding the ring
     * before the change before (up to `HISTORY` changes); undefined otherwise.
     */
    readonly previous: Ring | undefined = undefined,
  ) {
    this.byAddress = new Map(pools.map((p) => [p.node.address, p]));
    this.degraded = dead.size > 0;
  }

  /** The member that owns `route` (a full wire key) when every member is alive. */
  home(route: string | Uint8Array): ServerNode | undefined {
    return this.locator ? this.locator.locate(route) : this.members[0];
  }

  /**
   * The member requests for `route` go to on this ring: its home, or with
   * `failover: 'rehash'` the live member its keys moved to while it is dead;
   * undefined when it goes to no member (home dead, no rehash).
   */
  owner(route: string | Uint8Array): ServerNode | undefined {
    const home = this.home(route);
    if (home === undefined || !this.dead.has(home.address)) return home;
    return this.live === this.locator ? undefined : this.live?.locate(route);
  }
}

/** Membership changes whose moved keys are tracked (each costs writes one more ring lookup). */
export const HISTORY = 4;

/**
 * The routing of `ring` alone (no pools, nothing dead), as the `previous` of
 * the ring after a membership change, with the rings of the `depth - 1`
 * changes before it.
 */
export function historyOf(ring: Ring, depth = HISTORY): Ring {
  const older = depth > 1 && ring.previous !== undefined ? historyOf(ring.previous, depth - 1) : undefined;
  return new Ring(ring.members, [], ring.locator, ring.locator, NONE, older);
}

/** Builds locators for one `hashing` option, sharing hashed points between successive rings. */
export class LocatorFactory {
  private readonly cache = new PointCache();

  /**
   * @param stable membership will change (discovery): count ketama points
   *   exactly, so a change moves only the keys of the servers it adds or removes.
   */
  constructor(
    private readonly hashing: Hashing,
    private readonly stable = false,
  ) {
    if (typeof hashing !== 'function' && !KETAMA.has(hashing) && hashing !== 'modula') {
      throw new MemkitError('ERR_INVALID_ARGUMENT', `unknown hashing ${JSON.stringify(hashing)}`);
    }
  }

  /** A locator over `members` with `live` live, built now. Undefined for fewer than two members. */
  now(members: readonly ServerNode[], live: readonly ServerNode[]): NodeLocator | undefined {
    if (members.length <= 1) return undefined;
    const hashing = ketamaHashing(this.hashing);
    if (hashing !== undefined)
      return new KetamaLocator(members, { hashing, live, cache: this.cache, points: this.points });
    return this.plain(members, live);
  }

  /**
   * The same, built a slice at a time between event-loop turns (ketama rings
   * of hundreds of servers take tens of ms to hash and sort).
   */
  async sliced(
    members: readonly ServerNode[],
    live: readonly ServerNode[],
  ): Promise<NodeLocator | undefined> {
    if (members.length <= 1) return undefined;
    const hashing = ketamaHashing(this.hashing);
    if (hashing !== undefined)
      return KetamaLocator.build(members, { hashing, live, cache: this.cache, points: this.points });
    return this.plain(members, live);
  }

  private get points(): 'exact' | 'libmemcached' {
    return this.stable ? 'exact' : 'libmemcached';
  }

  private plain(members: readonly ServerNode[], live: readonly ServerNode[]): NodeLocator {
    const locator = typeof this.hashing === 'function' ? this.hashing(members) : new ModulaLocator(members);
    if (live.length !== members.length) locator.rebuild(live);
    return locator;
  }
}
