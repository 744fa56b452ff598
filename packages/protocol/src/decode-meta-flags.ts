/**
 * The return flags of a meta reply line (`HD`, `VA`, `EN` … followed by
 * `O`, `c`, `f`, `t`, `s`, `k`, `b`, `h`, `l`, `W`, `X`, `Z`), parsed in
 * place from the receive buffer.
 */
import type { Buffer } from 'node:buffer';
import { parseSignedInt, parseU64Range, parseUint } from './bytes';
import { U32_MAX } from './limits';
import { fail, SP, text, tokenEnd } from './line-tokens';
import type { MetaStatusReply, MetaValueReply } from './replies';

/**
 * Meta return flags from `p` to `end` into `out`. Unknown flags are ignored
 * (newer servers may add some); a known numeric flag that does not parse is
 * a protocol error.
 */
export function parseReplyFlags(
  buf: Buffer,
  line0: number,
  p: number,
  end: number,
  out: MetaStatusReply | MetaValueReply,
): void {
  while (p < end) {
    if (buf[p] === SP) {
      p++;
      continue;
    }
    const te = tokenEnd(buf, p, end);
    const a = p + 1;
    switch (buf[p]) {
      case 0x4f /* O */:
        out.opaque = buf.toString('latin1', a, te);
        break;
      case 0x6b /* k */:
        out.key = text(buf, a, te);
        break;
      case 0x63 /* c */:
        {
          const cas = parseU64Range(buf, a, te);
          if (cas < 0n) fail('malformed meta flag c', buf, line0, end);
          out.cas = cas;
          break;
        }
      case 0x66 /* f */:
        {
          const flags = parseUint(buf, a, te);
          if (flags < 0 || flags > U32_MAX) fail('malformed meta flag f', buf, line0, end);
          out.flags = flags;
          break;
        }
      case 0x74 /* t */:
        {
          const ttl = parseSignedInt(buf, a, te);
          if (Number.isNaN(ttl)) fail('malformed meta flag t', buf, line0, end);
          out.ttl = ttl;
          break;
        }
      case 0x73 /* s */:
        {
          const size = parseUint(buf, a, te);
          if (size < 0) fail('malformed meta flag s', buf, line0, end);
          out.size = size;
          break;
        }
      case 0x6c /* l */:
        {
          const la = parseUint(buf, a, te);
          if (la < 0) fail('malformed meta flag l', buf, line0, end);
          out.lastAccess = la;
          break;
        }
      case 0x68 /* h */:
        if (te !== a + 1 || (buf[a] !== 0x30 && buf[a] !== 0x31))
          fail('malformed meta flag h', buf, line0, end);
        out.hit = buf[a] === 0x31;
        break;
      case 0x62 /* b */:
        out.base64 = true;
        break;
      case 0x57 /* W */:
        out.win = true;
        break;
      case 0x58 /* X */:
        out.stale = true;
        break;
      case 0x5a /* Z */:
        out.winSent = true;
        break;
      default:
        break;
    }
    p = te;
  }
}
