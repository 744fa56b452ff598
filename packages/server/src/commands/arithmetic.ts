/**
 * `incr`/`decr` and meta `ma`: memcached's `do_add_delta` over 64-bit
 * unsigned decimal values (incr wraps at 2^64, decr stops at 0). Like
 * memcached, a result that fits the old value's length is written in place,
 * space-padded; a longer one becomes a new item.
 */
import { Buffer } from 'node:buffer';
import {
  type ArithmeticRequest,
  MAX_OPAQUE_LENGTH,
  type MetaArithmeticRequest,
  safeStrtoull,
  U64_MAX,
} from '@memkit/protocol';
import type { Context } from '../context';
import type { Item } from '../store/item';
import { metaKey, remainingTtl } from './meta-format';
import { storeItem } from './store-item';

const NON_NUMERIC = 'CLIENT_ERROR cannot increment or decrement non-numeric value';

type DeltaResult =
  | { kind: 'ok'; item: Item; digits: string }
  | { kind: 'not_found' | 'non_numeric' | 'cas_mismatch' | 'no_memory' };

/** The number stored in `value`, read like `strtoull` over a C string. */
function readNumber(value: Buffer): bigint | undefined {
  const nul = value.indexOf(0);
  return safeStrtoull(value.toString('latin1', 0, nul === -1 ? value.length : nul));
}

function addDelta(ctx: Context, key: string, incr: boolean, delta: bigint, casIn: bigint): DeltaResult {
  const { store } = ctx;
  const item = store.get(key);
  if (item === undefined) return { kind: 'not_found' };
  if (item.value.length === 0) return { kind: 'non_numeric' };
  if (casIn !== 0n && BigInt(item.cas) !== casIn) return { kind: 'cas_mismatch' };
  const current = readNumber(item.value);
  if (current === undefined) return { kind: 'non_numeric' };
  const next = incr ? (current + delta) & U64_MAX : delta > current ? 0n : current - delta;
  const counters = ctx.counters.cls(item.cls);
  if (incr) counters.incrHits++;
  else counters.decrHits++;
  const digits = next.toString();
  if (digits.length <= item.value.length) {
    // A fresh buffer, not an in-place write: a reply still queued may reference the old one.
    const padded = Buffer.alloc(item.value.length, 0x20);
    padded.write(digits, 'latin1');
    store.rewrite(item, padded);
    item.cas = store.nextCas();
    store.promote(item);
    return { kind: 'ok', item, digits };
  }
  const grown = store.alloc({
    key,
    value: Buffer.from(digits, 'latin1'),
    flags: item.flags,
    exptime: item.exptime,
    binaryKey: item.binaryKey,
  });
  if (typeof grown === 'string') return { kind: 'no_memory' };
  store.link(grown);
  return { kind: 'ok', item: grown, digits };
}

/** `incr|decr <key> <delta> [noreply]`. */
export function handleArithmetic(ctx: Context, req: ArithmeticRequest): void {
  const incr = req.command === 'incr';
  const res = addDelta(ctx, req.key, incr, req.delta, 0n);
  let reply: string;
  switch (res.kind) {
    case 'ok':
      reply = res.digits;
      break;
    case 'non_numeric':
      reply = NON_NUMERIC;
      break;
    case 'no_memory':
      reply = 'SERVER_ERROR out of memory';
      break;
    default:
      if (incr) ctx.counters.incrMisses++;
      else ctx.counters.decrMisses++;
      reply = 'NOT_FOUND';
  }
  if (!req.noreply) ctx.out.line(reply);
}

/** `ma <key> <flags>*`. */
export function handleMetaArithmetic(ctx: Context, req: MetaArithmeticRequest): void {
  const { flags } = req;
  const incr = flags.mode !== 'D' && flags.mode !== '-';
  const res = addDelta(ctx, req.key, incr, flags.delta ?? 1n, flags.compareCas ?? 0n);
  let item: Item | undefined;
  let digits = '';
  let created = false;
  let status = '';
  switch (res.kind) {
    case 'ok':
      ({ item, digits } = res);
      break;
    case 'non_numeric':
      ctx.out.line(NON_NUMERIC);
      return;
    case 'no_memory':
      ctx.out.line('SERVER_ERROR out of memory');
      return;
    case 'cas_mismatch':
      status = 'EX';
      break;
    case 'not_found': {
      if (flags.vivifyTtl === undefined) {
        if (incr) ctx.counters.incrMisses++;
        else ctx.counters.decrMisses++;
        status = 'NF';
        break;
      }
      digits = (flags.initial ?? 0n).toString();
      const fresh = ctx.store.alloc({
        key: req.key,
        value: Buffer.from(digits, 'latin1'),
        flags: 0,
        exptime: 0,
      });
      if (typeof fresh === 'string') {
        ctx.out.line('SERVER_ERROR Out of memory allocating new item');
        return;
      }
      storeItem(ctx, fresh, 'add', 0n, false);
      item = fresh;
      created = true;
      break;
    }
  }

  let line = item === undefined ? status : flags.value ? `VA ${digits.length}` : 'HD';
  const now = ctx.clock.now();
  for (const token of flags.tokens) {
    switch (token[0]) {
      case 'O':
        if (token.length - 1 > MAX_OPAQUE_LENGTH) {
          ctx.out.line('CLIENT_ERROR opaque token too long');
          return;
        }
        line += ` ${token}`;
        break;
      case 'k':
        line += metaKey(req.key, flags.base64);
        break;
      case 'c':
        if (item !== undefined) line += ` c${item.cas}`;
        break;
      case 't':
        if (item !== undefined) line += ` t${remainingTtl(item.exptime, now)}`;
        break;
      case 'T':
        if (item !== undefined) item.exptime = ctx.clock.deadline(flags.ttl!);
        break;
      case 'N':
        if (created) item!.exptime = ctx.clock.deadline(flags.vivifyTtl!);
        break;
    }
  }
  // memcached skips a successful reply under `q`, but not the reply to a vivify.
  if (res.kind === 'ok' && flags.quiet) return;
  ctx.out.line(line);
  if (item !== undefined && flags.value) ctx.out.line(digits);
}
