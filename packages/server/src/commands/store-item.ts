/**
 * memcached's `do_store_item`: the one place that decides what a storage
 * command does to an existing (or missing) item: set/add/replace/append/
 * prepend/cas semantics, the CAS comparison, and the stale-CAS rule of
 * `ms … C<n> I`. Shared by the classic storage commands and `ms`.
 */
import { Buffer } from 'node:buffer';
import type { Context } from '../context';
import type { Item } from '../store/item';

/** How the new item is to be stored. */
export type StoreMode = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** The outcome, named after the text protocol reply. */
export type StoreResult = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND';

/**
 * Stores `item` (allocated, not yet linked) according to `mode`. `casIn` is
 * the CAS the client asked to compare (0n = none). Returns the result and,
 * when stored, the new CAS unique.
 */
export function storeItem(
  ctx: Context,
  item: Item,
  mode: StoreMode,
  casIn: bigint,
  allowStale: boolean,
): { result: StoreResult; cas: number } {
  const { store, counters } = ctx;
  const old = store.get(item.key);
  if (old === undefined) {
    if (mode === 'add' || mode === 'set') {
      store.link(item);
      return { result: 'STORED', cas: item.cas };
    }
    if (mode === 'cas') counters.casMisses++;
    return { result: mode === 'cas' ? 'NOT_FOUND' : 'NOT_STORED', cas: 0 };
  }

  const casNone = casIn === 0n;
  const oldCas = casNone ? 0n : BigInt(old.cas);
  const casMatch = !casNone && casIn === oldCas;
  const casStale = !casNone && !casMatch && allowStale && casIn < oldCas;
  let toLink: Item | undefined;

  switch (mode) {
    case 'add':
      store.promote(old);
      return { result: 'NOT_STORED', cas: 0 };
    case 'cas':
      if (casMatch) {
        counters.cls(old.cls).casHits++;
        toLink = item;
      } else if (casStale) {
        // A stale write keeps the TTL and the stale/win-token state of the item it replaces.
        item.exptime = old.exptime;
        item.stale = true;
        item.tokenSent = old.tokenSent;
        counters.cls(old.cls).casHits++;
        toLink = item;
      } else {
        counters.cls(old.cls).casBadval++;
        return { result: 'EXISTS', cas: 0 };
      }
      break;
    case 'append':
    case 'prepend': {
      if (!casNone && !casMatch) return { result: 'EXISTS', cas: 0 };
      const value =
        mode === 'append' ? Buffer.concat([old.value, item.value]) : Buffer.concat([item.value, old.value]);
      const joined = store.alloc({
        key: item.key,
        value,
        flags: old.flags,
        exptime: old.exptime,
        binaryKey: item.binaryKey,
      });
      if (typeof joined === 'string') return { result: 'NOT_STORED', cas: 0 };
      toLink = joined;
      break;
    }
    case 'replace':
    case 'set':
      toLink = item;
      break;
  }
  store.link(toLink);
  return { result: 'STORED', cas: toLink.cas };
}
