/**
 * getMulti grouping under `keyMapping: 'auto'`: every key is mapped
 * (key-mapping.ts) and grouped by the server of its mapped form. A group
 * whose keys are all text keys keeps the fast multi-key `get` line; a group
 * holding a binary key is sent as quiet `mg … b` commands instead, because a
 * text `get` line cannot carry a binary key.
 */
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { WireKey } from '../keys';
import type { GetGroup } from './multi';

/** Groups `keys` by the server of their mapped form; keys whose server is dead only count in `failed`. */
export function groupMappedGetKeys(
  ctx: Context,
  keys: readonly string[],
  prefix: string,
): { groups: GetGroup[]; failed: number; firstError: unknown } {
  const byPool = new Map<ServerPool, GetGroup>();
  const single = ctx.cluster.pools.length === 1 ? ctx.cluster.pools[0] : undefined;
  let failed = 0;
  let firstError: unknown;
  for (const key of keys) {
    const wire: WireKey = ctx.key(key, prefix);
    let pool: ServerPool;
    if (single) pool = single;
    else {
      try {
        pool = ctx.cluster.poolFor(wire.route);
      } catch (err) {
        failed++;
        firstError ??= err;
        continue;
      }
    }
    let g = byPool.get(pool);
    if (!g) {
      g = { pool, keys: [], wires: [] };
      byPool.set(pool, g);
    }
    if (wire.base64 && !g.base64) g.base64 = g.wires.map(() => false);
    g.keys.push(key);
    g.wires.push(wire.wire);
    g.base64?.push(wire.base64);
  }
  return { groups: [...byPool.values()], failed, firstError };
}
