/**
 * The single-key classic commands that neither store nor fetch a value:
 * `delete` and `touch`.
 */
import type { DeleteRequest, TouchRequest } from '@memkit/protocol';
import type { Context } from '../context';

/** `delete <key> [noreply]`. */
export function handleDelete(ctx: Context, req: DeleteRequest): void {
  const item = ctx.store.get(req.key);
  let reply: string;
  if (item === undefined) {
    ctx.counters.deleteMisses++;
    reply = 'NOT_FOUND';
  } else {
    ctx.counters.cls(item.cls).deleteHits++;
    ctx.store.unlink(item);
    reply = 'DELETED';
  }
  if (!req.noreply) ctx.out.line(reply);
}

/** `touch <key> <exptime> [noreply]`. */
export function handleTouch(ctx: Context, req: TouchRequest): void {
  const deadline = ctx.clock.deadline(req.exptime);
  const item = ctx.store.get(req.key);
  ctx.counters.cmdTouch++;
  let reply: string;
  if (item === undefined) {
    ctx.counters.touchMisses++;
    reply = 'NOT_FOUND';
  } else {
    item.exptime = deadline;
    ctx.store.bump(item);
    ctx.counters.cls(item.cls).touchHits++;
    reply = 'TOUCHED';
  }
  if (!req.noreply) ctx.out.line(reply);
}
