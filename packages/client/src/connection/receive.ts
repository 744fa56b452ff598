/**
 * Where a connection's socket reads its bytes (Node's `onread` option), so
 * that reading costs neither an allocation per read nor a pass through the
 * stream machinery, and a large value is written by the kernel (or by TLS)
 * straight into the buffer it is returned in:
 *
 * - while the decoder receives a data block with at least `DIRECT_READ_MIN`
 *   bytes still to come, the next read goes into that block itself
 *   (`ReplyDecoder.blockTarget`): a 16 MiB value is one buffer, not that
 *   buffer plus 16 MiB of read chunks waiting for the garbage collector;
 * - otherwise it goes into the free end of a 64 KiB slab. A slab region is
 *   never written twice (a new slab starts when less than `MIN_REGION` is
 *   left), so the decoder's zero-copy views of earlier reads (a partial
 *   line, values handed out as Buffers) stay valid, as they do with the
 *   buffer Node allocates for each read.
 *
 * A runtime that ignores `onread` delivers 'data' events instead (see
 * `Connection`); one that calls back with a buffer other than the region it
 * was given gets its bytes copied, so nothing here depends on the runtime
 * honouring the buffer it returns.
 */
import { Buffer } from 'node:buffer';

/** Size of a slab of read regions. Node reads up to 64 KiB at a time too. */
const SLAB_SIZE = 64 * 1024;
/** Smallest region offered for a read: below it, a new slab starts. */
const MIN_REGION = 16 * 1024;
/** Read straight into a data block only when at least this much of it is still to come. */
export const DIRECT_READ_MIN = 32 * 1024;

/** What `ReceiveBuffers` needs of a decoder (the line decoder of raw commands has no blocks). */
export interface BlockSource {
  readonly blockRemaining?: number;
  blockTarget?(): Buffer | undefined;
}

export class ReceiveBuffers {
  private slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  private offset = 0;
  /** The buffer handed out for the next read. */
  private region: Buffer | undefined;
  /** Whether `region` is the rest of a data block rather than slab space. */
  private regionIsBlock = false;

  /** The buffer the next read should fill (onread's `buffer` function). */
  next(decoder: BlockSource): Buffer {
    if ((decoder.blockRemaining ?? 0) >= DIRECT_READ_MIN) {
      const target = decoder.blockTarget?.();
      if (target !== undefined) {
        this.region = target;
        this.regionIsBlock = true;
        return target;
      }
    }
    if (this.slab.length - this.offset < MIN_REGION) {
      this.slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.offset = 0;
    }
    this.region = this.slab.subarray(this.offset);
    this.regionIsBlock = false;
    return this.region;
  }

  /**
   * The chunk to decode after a read of `n` bytes into `buf` (onread's
   * `callback` arguments): a view of the region, or a copy when the runtime
   * read into a buffer of its own.
   */
  received(n: number, buf: Uint8Array): Buffer {
    const region = this.region;
    // Not the region handed out (a runtime reading into memory of its own): copy, it may be reused.
    if (buf !== region || n > region.length) return Buffer.from(buf.subarray(0, n));
    this.region = undefined;
    if (this.regionIsBlock) return region.subarray(0, n);
    this.offset += n;
    return region.subarray(0, n);
  }
}
