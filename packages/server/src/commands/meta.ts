/**
 * Meta `mg`, `md` and `me`: the flag-driven get (with TTL update, vivify on
 * miss, early recache and the W/X/Z win/stale flags), delete with
 * invalidation, and the debug dump. Return flags are echoed in request
 * order, as memcached does.
 */
import { Buffer } from 'node:buffer';
import {
  MAX_OPAQUE_LENGTH,
  type MetaDebugRequest,
  type MetaDeleteRequest,
  type MetaGetRequest,
} from '@memkit/protocol';
import type { Context } from '../context';
import type { Item } from '../store/item';
import { metaKey, printableKey, remainingTtl } from './meta-format';

const OPAQUE_TOO_LONG = 'CLIENT_ERROR opaque token too long';
const EMPTY = Buffer.alloc(0);

/** `mg <key> <flags>*`. */
export function handleMetaGet(ctx: Context, req: MetaGetRequest): void {
  const { store, counters, clock, out } = ctx;
  const { flags } = req;
  let item: Item | undefined = store.get(req.key);
  let created = false;
  if (item === undefined && flags.vivifyTtl !== undefined) {
    const stub = store.alloc({ key: req.key, value: EMPTY, flags: 0, exptime: 0, binaryKey: flags.base64 });
    if (typeof stub !== 'string') {
      store.link(stub);
      item = stub;
      created = true;
    }
  }

  if (item === undefined) {
    counters.cmdGet++;
    counters.getMisses++;
    let line = 'EN';
    for (const token of flags.tokens) {
      if (token[0] === 'O') {
        if (token.length - 1 > MAX_OPAQUE_LENGTH) {
          out.line(OPAQUE_TOO_LONG);
          return;
        }
        line += ` ${token}`;
      } else if (token[0] === 'k') {
        line += metaKey(req.key, flags.base64);
      }
    }
    if (!flags.quiet) out.line(line);
    return;
  }

  // `h` and `l` report the state from before this fetch.
  const wasFetched = item.fetched;
  const lastAccess = item.time;
  const now = clock.now();
  let won = false;
  let ttlSet = false;
  let line = flags.value ? `VA ${item.value.length}` : 'HD';
  for (const token of flags.tokens) {
    switch (token[0]) {
      case 'T':
        ttlSet = true;
        item.exptime = clock.deadline(flags.ttl!);
        break;
      case 'N':
        if (created) {
          item.exptime = clock.deadline(flags.vivifyTtl!);
          won = true;
        }
        break;
      case 'R':
        if (
          !item.tokenSent &&
          !created &&
          item.exptime !== 0 &&
          item.exptime < clock.deadline(flags.recacheTtl!)
        ) {
          won = true;
        }
        break;
      case 's':
        line += ` s${item.value.length}`;
        break;
      case 't':
        line += ` t${remainingTtl(item.exptime, now)}`;
        break;
      case 'c':
        line += ` c${item.cas}`;
        break;
      case 'f':
        line += ` f${item.flags}`;
        break;
      case 'l':
        line += ` l${now - lastAccess}`;
        break;
      case 'h':
        line += wasFetched ? ' h1' : ' h0';
        break;
      case 'O':
        if (token.length - 1 > MAX_OPAQUE_LENGTH) {
          out.line(OPAQUE_TOO_LONG);
          return;
        }
        line += ` ${token}`;
        break;
      case 'k':
        line += metaKey(item.key, item.binaryKey);
        break;
    }
  }
  // Z before W: a client is never told it won and that someone else already did.
  if (item.tokenSent) line += ' Z';
  if (item.stale) {
    line += ' X';
    if (!item.tokenSent) won = true;
  }
  if (won) {
    line += ' W';
    item.tokenSent = true;
  }
  out.line(line);
  if (flags.value) out.block(item.value);
  if (!flags.noBump) store.bump(item);
  if (ttlSet) {
    counters.cmdTouch++;
    counters.cls(item.cls).touchHits++;
  } else {
    counters.cmdGet++;
    counters.cls(item.cls).getHits++;
  }
}

/** `md <key> <flags>*`. */
export function handleMetaDelete(ctx: Context, req: MetaDeleteRequest): void {
  const { store, counters, out, clock } = ctx;
  const { flags } = req;
  let suffix = '';
  for (const token of flags.tokens) {
    if (token[0] === 'O') suffix += ` ${token}`;
    else if (token[0] === 'k') suffix += metaKey(req.key, flags.base64);
  }
  const item = store.get(req.key);
  if (item === undefined) {
    counters.deleteMisses++;
    out.line(`NF${suffix}`);
    return;
  }
  if (flags.compareCas !== undefined && BigInt(item.cas) !== flags.compareCas) {
    counters.deleteMisses++;
    out.line(`EX${suffix}`);
    return;
  }
  if (flags.invalidate) {
    // Mark stale instead of deleting; the next mg wins the right to recache.
    if (flags.ttl !== undefined) item.exptime = clock.deadline(flags.ttl);
    item.stale = true;
    item.tokenSent = false;
    item.cas = store.nextCas();
  } else {
    counters.cls(item.cls).deleteHits++;
    store.unlink(item);
  }
  if (!flags.quiet) out.line(`HD${suffix}`);
}

/** `me <key> [b]`. */
export function handleMetaDebug(ctx: Context, req: MetaDebugRequest): void {
  ctx.counters.cmdMeta++;
  const item = ctx.store.get(req.key);
  if (item === undefined) {
    ctx.out.line('EN');
    return;
  }
  const now = ctx.clock.now();
  const exp = item.exptime === 0 ? -1 : now - item.exptime;
  ctx.out.line(
    `ME ${printableKey(item.key, item.binaryKey)} exp=${exp} la=${now - item.time} cas=${item.cas} ` +
      `fetch=${item.fetched ? 'yes' : 'no'} cls=${item.cls} size=${item.total}`,
  );
}
