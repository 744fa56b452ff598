/**
 * ReceiveBuffers: the memory each socket read goes into. A region is never
 * handed out twice (earlier chunks stay valid as the decoder's zero-copy views
 * need), a large data block is read into itself, and a buffer the runtime
 * did not get from us is copied.
 */
import { ReplyDecoder } from '@memkit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIRECT_READ_MIN, ReceiveBuffers } from '../src/connection/receive';

/** Simulates the kernel: writes `n` bytes of `fill` into the region and reports the read. */
function read(rb: ReceiveBuffers, decoder: ReplyDecoder | object, n: number, fill: number): Buffer {
  const region = rb.next(decoder);
  const k = Math.min(n, region.length);
  region.fill(fill, 0, k);
  return rb.received(k, region);
}

describe('ReceiveBuffers', () => {
  it('never hands out memory an earlier chunk still holds', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 60 }), (sizes) => {
        const rb = new ReceiveBuffers();
        const chunks = sizes.map((n, i) => read(rb, {}, n, i & 0xff));
        chunks.forEach((c, i) => {
          expect(c.length).toBeGreaterThan(0);
          expect(c.every((b) => b === (i & 0xff))).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reads the rest of a large data block straight into it, a small rest into the slab', () => {
    const decoder = new ReplyDecoder();
    const rb = new ReceiveBuffers();
    const size = 5 * DIRECT_READ_MIN;
    decoder.push(Buffer.from(`VA ${size} f0\r\nxyz`));
    const target = decoder.blockTarget()!;
    let region = rb.next(decoder);
    expect(region.buffer).toBe(target.buffer);
    expect(region.byteOffset).toBe(target.byteOffset);
    region.fill(1, 0, size - 3 - 100);
    const chunk = rb.received(size - 3 - 100, region);
    decoder.push(chunk);
    // 100 bytes left: below DIRECT_READ_MIN, so the next read goes to the slab (and takes the CRLF and more).
    region = rb.next(decoder);
    expect(region.buffer).not.toBe(target.buffer);
    region.fill(2, 0, 100);
    region.write('\r\nEN\r\n', 100, 'latin1');
    const replies = decoder.push(rb.received(106, region));
    expect(replies).toHaveLength(2);
    const value = (replies[0] as { value: Buffer }).value;
    expect(value.buffer).toBe(target.buffer);
    expect(value.subarray(3, size - 100).every((b) => b === 1)).toBe(true);
    expect(value.subarray(size - 100).every((b) => b === 2)).toBe(true);
  });

  it('copies what a runtime read into a buffer of its own', () => {
    const rb = new ReceiveBuffers();
    rb.next({});
    const foreign = Buffer.from('HD\r\n');
    const chunk = rb.received(4, foreign);
    expect(chunk.equals(foreign)).toBe(true);
    foreign.fill(0);
    expect(chunk.toString()).toBe('HD\r\n');
  });
});
