/**
 * `get`, `gets`, `gat`, `gats`: one `VALUE` block per hit, then `END`,
 * with memcached's bookkeeping (gat counts as a touch, not a get).
 */
import type { RetrievalRequest } from '@memkit/protocol';
import type { Context } from '../context';

/** Handles a retrieval command. */
export function handleRetrieval(ctx: Context, req: RetrievalRequest): void {
  const { store, counters, out } = ctx;
  const touch = req.command === 'gat' || req.command === 'gats';
  const withCas = req.command === 'gets' || req.command === 'gats';
  const deadline = touch ? ctx.clock.deadline(req.exptime) : 0;
  for (const key of req.keys) {
    const item = store.get(key);
    if (touch) counters.cmdTouch++;
    else counters.cmdGet++;
    if (item === undefined) {
      if (touch) counters.touchMisses++;
      else counters.getMisses++;
      continue;
    }
    if (touch) {
      item.exptime = deadline;
      counters.cls(item.cls).touchHits++;
    } else {
      counters.cls(item.cls).getHits++;
    }
    store.bump(item);
    const cas = withCas ? ` ${item.cas}` : '';
    out.line(`VALUE ${item.key} ${item.flags} ${item.value.length}${cas}`);
    out.block(item.value);
  }
  out.line('END');
}
