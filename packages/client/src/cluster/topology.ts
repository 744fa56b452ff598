/**
 * Cluster membership as data: which servers a topology has, and what a new
 * one adds, removes or moves. Pure; the cluster applies the result. A
 * server's identity is its `address` (the label it is hashed by); a server
 * that keeps its address but is now reached at another IP is `moved`: its
 * keys stay, its connections are replaced.
 */
import type { ServerNode } from './locator';

/** What changes from one server list to the next. */
export interface TopologyDiff {
  /** In the new list only. */
  added: ServerNode[];
  /** In the old list only. */
  removed: ServerNode[];
  /** In both, but reached at another IP (old node first, new node second). */
  moved: Array<[ServerNode, ServerNode]>;
  /** Whether the ring must be rebuilt: servers were added or removed, or a weight changed. */
  ringChanged: boolean;
}

/** Compares two server lists by address. */
export function diffTopology(prev: readonly ServerNode[], next: readonly ServerNode[]): TopologyDiff {
  const before = new Map(prev.map((n) => [n.address, n]));
  const after = new Map(next.map((n) => [n.address, n]));
  const added = next.filter((n) => !before.has(n.address));
  const removed = prev.filter((n) => !after.has(n.address));
  const moved: Array<[ServerNode, ServerNode]> = [];
  let reweighted = false;
  for (const n of next) {
    const old = before.get(n.address);
    if (old === undefined) continue;
    if (old.ip !== n.ip) moved.push([old, n]);
    if (old.weight !== n.weight) reweighted = true;
  }
  return { added, removed, moved, ringChanged: added.length > 0 || removed.length > 0 || reweighted };
}

/** Whether a diff changes anything at all. */
export function isEmptyDiff(d: TopologyDiff): boolean {
  return !d.ringChanged && d.moved.length === 0;
}

/**
 * Discovered servers in one canonical order (by address). Every client that
 * discovers the same set builds the same ring, whatever order the endpoint
 * or the DNS answer listed them in; ketama breaks ties between equal points
 * by this order.
 */
export function canonicalOrder(nodes: readonly ServerNode[]): ServerNode[] {
  return [...nodes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
