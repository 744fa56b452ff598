/**
 * Where a key goes while its home server is dead, per `failover`: to the
 * live server the ring rehashes it to (`'rehash'`), to the gutter pool
 * (`'gutter'`, which leaves the live servers' load as it was), or nowhere
 * (`'error'`: ERR_SERVER_DEAD at once, nothing waits on the dead server).
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { WireKey } from '../keys';
import type { ResolvedOptions } from '../options';
import type { Invalidations } from './invalidations';
import type { Ring } from './ring';

/** What a gutter pool offers routing. */
export interface GutterRoute {
  poolFor(route: string | Uint8Array): ServerPool;
}

/** The pool of `route` on a degraded ring (some member dead). */
export function failoverPool(
  ring: Ring,
  route: string | Uint8Array,
  failover: ResolvedOptions['failover'],
  gutter: GutterRoute | undefined,
  notReady: () => MemkitError,
): ServerPool {
  const home = ring.home(route);
  if (home === undefined) throw ring.members.length === 0 ? notReady() : noServer();
  if (!ring.dead.has(home.address)) return ring.byAddress.get(home.address)!;
  if (gutter !== undefined) return gutter.poolFor(route);
  if (failover === 'error') {
    throw new MemkitError('ERR_SERVER_DEAD', `${home.address} is marked dead (failover: 'error')`, {
      server: home.address,
    });
  }
  const node = ring.live?.locate(route);
  if (node === undefined) throw noServer();
  return ring.byAddress.get(node.address)!;
}

/**
 * Notes `key` for invalidation on the servers that miss a write of it that
 * went to `pool` (undefined: refused): its home, when the write went
 * elsewhere, and its homes before the last membership changes (the
 * `previous` chain), when those are other members still (whose copies would
 * be stale if the key moved back).
 */
export function noteMissed(
  ring: Ring,
  key: WireKey,
  pool: ServerPool | undefined,
  notes: Pick<Invalidations, 'note' | 'noteMoved'>,
): void {
  const home = ring.home(key.route);
  const to = pool?.node.address ?? '';
  if (home !== undefined && home.address !== to) notes.note(home.address, key, to);
  let noted: string | undefined;
  for (let r = ring.previous; r !== undefined; r = r.previous) {
    const before = r.home(key.route)?.address;
    if (before === undefined || before === home?.address || before === noted || !ring.byAddress.has(before))
      continue;
    notes.noteMoved(before, key);
    noted = before;
  }
}

/** The `n` replica servers of `route`: the live ones in replica order, and the addresses of dead ones. */
export function replicaPools(
  ring: Ring,
  route: string | Uint8Array,
  n: number,
): { live: ServerPool[]; down: string[] } {
  const nodes = ring.locator ? ring.locator.locateN!(route, n) : ring.members.slice(0, 1);
  const live: ServerPool[] = [];
  const down: string[] = [];
  for (const node of nodes) {
    if (ring.dead.has(node.address)) down.push(node.address);
    else live.push(ring.byAddress.get(node.address)!);
  }
  return { live, down };
}

export function noServer(): MemkitError {
  return new MemkitError('ERR_SERVER_DEAD', 'no live server for this key: every server is marked dead');
}

/** Options of a gutter pool: rehash among its own servers, no gutter, replicas or tracking of its own. */
export function subPoolOptions(options: ResolvedOptions): ResolvedOptions {
  return {
    ...options,
    failover: 'rehash',
    gutter: undefined,
    replicas: 1,
    invalidationBudget: 0,
    warmFrom: undefined,
    shadow: undefined,
    discovery: undefined,
  };
}
