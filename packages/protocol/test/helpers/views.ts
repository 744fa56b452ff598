/**
 * Test helper for `ReplyDecoder.feed`'s `onValue` fast path: turns each
 * `ValueView` back into the `ValueReply` the decoder would otherwise have
 * produced (copying the bytes, since the view is only valid in the callback).
 */
import { Buffer } from 'node:buffer';
import { type ReplyDecoder, valueReplyOfView } from '../../src/decoder';
import type { Reply, ValueReply, ValueView } from '../../src/replies';

/** Like `valueReplyOfView`, but with the bytes copied (the view dies with the callback). */
export function replyOfView(v: ValueView): ValueReply {
  const reply = valueReplyOfView(v);
  reply.value = Buffer.from(reply.value);
  return reply;
}

/** Feeds `chunk` with an `onValue` callback; returns how many replies came as views. */
export function feedWithViews(d: ReplyDecoder, chunk: Uint8Array, out: Reply[]): number {
  let views = 0;
  d.feed(
    chunk,
    (r) => out.push(r),
    (v) => {
      views++;
      out.push(replyOfView(v));
    },
  );
  return views;
}
