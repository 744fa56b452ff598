/**
 * The storage commands: classic `set/add/replace/append/prepend/cas` and
 * meta `ms`, plus the "too large" path memcached takes when an item cannot
 * be allocated (reply, count, and unlink the old item so stale data does
 * not outlive a failed `set`).
 */
import { Buffer } from 'node:buffer';
import type { BadRequest, MetaSetRequest, StorageRequest } from '@memkit/protocol';
import type { Context } from '../context';
import type { AllocFailure } from '../store/store';
import { metaKey } from './meta-format';
import { type StoreMode, storeItem } from './store-item';

const TOO_LARGE = 'SERVER_ERROR object too large for cache';
const NO_MEMORY = 'SERVER_ERROR out of memory storing object';

/** Replies to and counts a failed allocation; `unlinkOld` drops the existing item like memcached. */
function allocFailed(
  ctx: Context,
  failure: AllocFailure,
  key: string,
  unlinkOld: boolean,
  noreply: boolean,
): void {
  if (failure === 'too_large') ctx.counters.storeTooLarge++;
  else ctx.counters.storeNoMemory++;
  if (!noreply) ctx.out.line(failure === 'too_large' ? TOO_LARGE : NO_MEMORY);
  if (unlinkOld) {
    const old = ctx.store.get(key);
    if (old !== undefined) ctx.store.unlink(old);
  }
}

/** A data block the decoder refused as too large (it never reached memory). */
export function handleTooLargeBlock(ctx: Context, req: BadRequest): void {
  const info = req.tooLarge!;
  allocFailed(ctx, 'too_large', info.key, info.command === 'set' || info.command === 'ms', req.noreply);
}

/** `set|add|replace|append|prepend|cas`. */
export function handleStorage(ctx: Context, req: StorageRequest): void {
  const item = ctx.store.alloc({
    key: req.key,
    // Copy: the decoder's value may be a view into the socket chunk.
    value: Buffer.from(req.value),
    flags: req.flags,
    exptime: ctx.clock.deadline(req.exptime),
  });
  if (typeof item === 'string') {
    allocFailed(ctx, item, req.key, req.command === 'set', req.noreply);
    return;
  }
  ctx.counters.cls(item.cls).cmdSet++;
  const { result } = storeItem(ctx, item, req.command, req.cas, false);
  if (!req.noreply) ctx.out.line(result);
}

const MS_MODES: Record<string, StoreMode> = { E: 'add', A: 'append', P: 'prepend', R: 'replace', S: 'set' };
const MS_CODES = { STORED: 'HD', NOT_STORED: 'NS', EXISTS: 'EX', NOT_FOUND: 'NF' } as const;

/** `ms <key> <datalen> <flags>*`. */
export function handleMetaSet(ctx: Context, req: MetaSetRequest): void {
  const { flags } = req;
  let mode: StoreMode = flags.mode === undefined ? 'set' : MS_MODES[flags.mode]!;
  // A compare CAS turns set/replace into cas; add ignores it; append/prepend check it themselves.
  if (flags.compareCas !== undefined && (mode === 'set' || mode === 'replace')) mode = 'cas';
  const item = ctx.store.alloc({
    key: req.key,
    value: Buffer.from(req.value),
    flags: flags.clientFlags ?? 0,
    exptime: ctx.clock.deadline(flags.ttl ?? 0),
    binaryKey: flags.base64,
  });
  if (typeof item === 'string') {
    allocFailed(ctx, item, req.key, true, false);
    return;
  }
  ctx.counters.cls(item.cls).cmdSet++;
  const { result, cas } = storeItem(
    ctx,
    item,
    mode,
    flags.compareCas ?? 0n,
    flags.invalidate && mode === 'cas',
  );
  if (result === 'STORED' && flags.quiet) return;
  let line: string = MS_CODES[result];
  for (const token of flags.tokens) {
    switch (token[0]) {
      case 'O':
        line += ` ${token}`;
        break;
      case 'k':
        line += metaKey(item.key, item.binaryKey);
        break;
      case 'c':
        line += ` c${cas}`;
        break;
    }
  }
  ctx.out.line(line);
}
