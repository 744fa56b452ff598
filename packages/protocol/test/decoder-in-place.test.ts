/**
 * Reading data blocks in place (`ReplyDecoder.blockTarget`): a reader that
 * reads the rest of a spanning data block straight into the buffer the value
 * is returned in must get exactly the replies of any other chunking, and the
 * value must be that buffer (no copy). Split at every boundary, byte by byte,
 * and with fast-check over random values, read sizes and reader choices.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyDecoder } from '../src/decoder';
import type { Reply } from '../src/replies';
import { ALL_FIXTURES, FIXTURES } from './helpers/fixtures';

interface Reading {
  replies: Reply[];
  /** The targets that were read into. */
  targets: Buffer[];
}

/**
 * Reads `stream` the way a socket reader would: read `i` asks for `size(i)`
 * bytes (at least 1); when the decoder offers a block target and `inPlace(i)`
 * says so, the bytes are written into the target and that part of the target
 * is fed; otherwise a fresh copy of the bytes is fed, as a socket chunk.
 */
function read(
  stream: Buffer,
  size: (i: number) => number,
  inPlace: (i: number) => boolean,
  decoder = new ReplyDecoder(),
): Reading {
  const replies: Reply[] = [];
  const targets: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < stream.length; i++) {
    const want = Math.max(1, size(i));
    const target = inPlace(i) ? decoder.blockTarget() : undefined;
    if (target !== undefined) {
      expect(target.length).toBe(decoder.blockRemaining);
      const n = Math.min(want, target.length, stream.length - pos);
      stream.copy(target, 0, pos, pos + n);
      pos += n;
      targets.push(target);
      decoder.feed(target.subarray(0, n), (r) => replies.push(r));
      continue;
    }
    const n = Math.min(want, stream.length - pos);
    decoder.feed(Buffer.from(stream.subarray(pos, pos + n)), (r) => replies.push(r));
    pos += n;
  }
  expect(decoder.bufferedBytes).toBe(0);
  expect(decoder.blockTarget()).toBeUndefined();
  return { replies, targets };
}

const whole = (bytes: Buffer): Reply[] => new ReplyDecoder().push(bytes);

/** Every target that was read into is memory of exactly one returned value (it was not copied). */
function expectNoCopy(r: Reading): void {
  for (const t of r.targets) {
    const owners = r.replies.filter(
      (x) =>
        'value' in x &&
        Buffer.isBuffer(x.value) &&
        x.value.buffer === t.buffer &&
        x.value.byteOffset <= t.byteOffset &&
        t.byteOffset < x.value.byteOffset + x.value.length,
    );
    expect(owners).toHaveLength(1);
  }
}

describe('ReplyDecoder: data blocks read in place', () => {
  it('offers no target unless a data block spans chunks', () => {
    const d = new ReplyDecoder();
    expect(d.blockTarget()).toBeUndefined();
    expect(d.blockRemaining).toBe(0);
    d.push(Buffer.from('VA 10 f0\r\n0123'));
    expect(d.blockRemaining).toBe(6);
    const t = d.blockTarget()!;
    expect(t.length).toBe(6);
    t.write('456789', 'latin1');
    // Data complete, CRLF missing: nothing more to read into.
    expect(d.push(t.subarray(0, 6))).toEqual([]);
    expect(d.blockTarget()).toBeUndefined();
    const [reply] = d.push(Buffer.from('\r\n'));
    expect(reply).toEqual({ type: 'VA', flags: 0, value: Buffer.from('0123456789') });
    expect((reply as { value: Buffer }).value.buffer).toBe(t.buffer);
  });

  it('a chunk that is not the target is copied as usual', () => {
    const d = new ReplyDecoder();
    d.push(Buffer.from('VALUE k 0 6\r\nab'));
    const t = d.blockTarget()!;
    const out = d.push(Buffer.from('cdef\r\nEND\r\n'));
    expect(out).toEqual([
      { type: 'VALUE', key: 'k', flags: 0, value: Buffer.from('abcdef') },
      { type: 'END' },
    ]);
    expect((out[0] as { value: Buffer }).value.buffer).toBe(t.buffer);
  });

  for (const f of [...FIXTURES, ALL_FIXTURES]) {
    it(`${f.name}: split at every boundary, in place wherever offered`, () => {
      const expected = whole(f.bytes);
      for (let cut = 1; cut < f.bytes.length; cut++) {
        const r = read(
          f.bytes,
          (i) => (i === 0 ? cut : f.bytes.length),
          () => true,
        );
        expect(r.replies).toStrictEqual(expected);
        expectNoCopy(r);
      }
    });

    it(`${f.name}: byte by byte, alternating in place and copied reads`, () => {
      const expected = whole(f.bytes);
      for (const parity of [0, 1]) {
        const r = read(
          f.bytes,
          () => 1,
          (i) => i % 2 === parity,
        );
        expect(r.replies).toStrictEqual(expected);
      }
    });
  }

  it('large values round-trip for random read sizes and reader choices', () => {
    const valueArb = fc
      .tuple(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 255 }))
      .map(([n, seed]) => {
        const v = Buffer.allocUnsafe(n);
        for (let i = 0; i < n; i++) v[i] = (seed + i * 31) & 0xff;
        // Protocol text inside the data must not confuse the decoder.
        if (n >= 7) v.write('\r\nEND\r\n', n >> 1, 'latin1');
        return v;
      });
    const itemArb = fc.record({
      meta: fc.boolean(),
      flags: fc.integer({ min: 0, max: 0xffff_ffff }),
      value: valueArb,
    });
    fc.assert(
      fc.property(
        fc.array(itemArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        (items, sizes, choices) => {
          const parts: Buffer[] = [];
          const expected: Reply[] = [];
          for (const it of items) {
            if (it.meta) {
              parts.push(
                Buffer.from(`VA ${it.value.length} f${it.flags}\r\n`),
                it.value,
                Buffer.from('\r\n'),
              );
              expected.push({ type: 'VA', flags: it.flags, value: it.value });
            } else {
              parts.push(
                Buffer.from(`VALUE k ${it.flags} ${it.value.length}\r\n`),
                it.value,
                Buffer.from('\r\n'),
              );
              expected.push({ type: 'VALUE', key: 'k', flags: it.flags, value: it.value });
            }
          }
          parts.push(Buffer.from('END\r\n'));
          expected.push({ type: 'END' });
          const r = read(
            Buffer.concat(parts),
            (i) => sizes[i % sizes.length]!,
            (i) => choices[i % choices.length]!,
          );
          expect(r.replies).toStrictEqual(expected);
          expectNoCopy(r);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the maxValueLength bound still holds before any target is offered', () => {
    const d = new ReplyDecoder({ maxValueLength: 1024 });
    expect(() => d.push(Buffer.from('VA 1025 f0\r\n'))).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL' }),
    );
    expect(d.blockTarget()).toBeUndefined();
  });
});
