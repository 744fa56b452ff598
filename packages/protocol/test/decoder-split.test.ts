/**
 * Split-chunk tests: every fixture, and all of them back to back, must decode
 * to the same replies whether fed whole, split at any byte boundary, or one
 * byte at a time.
 */
import type { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReplyDecoder } from '../src/decoder';
import type { Reply } from '../src/replies';
import { ALL_FIXTURES, FIXTURES } from './helpers/fixtures';
import { feedWithViews } from './helpers/views';

function feedChunks(chunks: Buffer[]): Reply[] {
  const d = new ReplyDecoder();
  const out: Reply[] = [];
  for (const chunk of chunks) d.feed(chunk, (r) => out.push(r));
  expect(d.bufferedBytes).toBe(0);
  return out;
}

/** The same through `feed`'s `onValue` fast path, views turned back into replies. */
function feedChunksViews(chunks: Buffer[]): Reply[] {
  const d = new ReplyDecoder();
  const out: Reply[] = [];
  for (const chunk of chunks) feedWithViews(d, chunk, out);
  expect(d.bufferedBytes).toBe(0);
  return out;
}

describe('ReplyDecoder: split chunks', () => {
  for (const f of [...FIXTURES, ALL_FIXTURES]) {
    describe(f.name, () => {
      const whole = feedChunks([f.bytes]);

      it('whole equals the expected replies', () => {
        expect(whole).toStrictEqual(f.replies);
      });

      it(`split at every one of ${f.bytes.length - 1} boundaries`, () => {
        for (let i = 1; i < f.bytes.length; i++) {
          const got = feedChunks([f.bytes.subarray(0, i), f.bytes.subarray(i)]);
          if (!isEqual(got, whole)) expect({ split: i, got }).toStrictEqual({ split: i, got: whole });
        }
      });

      it(`with onValue views, whole and split at every one of ${f.bytes.length - 1} boundaries`, () => {
        expect(feedChunksViews([f.bytes])).toStrictEqual(whole);
        for (let i = 1; i < f.bytes.length; i++) {
          const got = feedChunksViews([f.bytes.subarray(0, i), f.bytes.subarray(i)]);
          if (!isEqual(got, whole)) expect({ split: i, got }).toStrictEqual({ split: i, got: whole });
        }
      });

      it('byte by byte', () => {
        const bytes: Buffer[] = [];
        for (let i = 0; i < f.bytes.length; i++) bytes.push(f.bytes.subarray(i, i + 1));
        expect(feedChunks(bytes)).toStrictEqual(whole);
        expect(feedChunksViews(bytes)).toStrictEqual(whole);
      });

      it('with an empty chunk between every byte', () => {
        const bytes: Buffer[] = [];
        for (let i = 0; i < f.bytes.length; i++)
          bytes.push(f.bytes.subarray(i, i + 1), f.bytes.subarray(i, i));
        expect(feedChunks(bytes)).toStrictEqual(whole);
      });
    });
  }

  it('three-way splits of the concatenation give the same replies', () => {
    const bytes = ALL_FIXTURES.bytes;
    const whole = feedChunks([bytes]);
    for (let i = 1; i < bytes.length; i += 7) {
      for (let j = i + 1; j < bytes.length; j += 13) {
        const parts = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        const got = feedChunks(parts);
        if (!isEqual(got, whole)) expect({ i, j, got }).toStrictEqual({ i, j, got: whole });
        const viewed = feedChunksViews(parts);
        if (!isEqual(viewed, whole)) expect({ i, j, viewed }).toStrictEqual({ i, j, viewed: whole });
      }
    }
  });
});

/** Cheap structural equality so the loops only build a diff on failure. */
function isEqual(a: Reply[], b: Reply[]): boolean {
  try {
    expect(a).toStrictEqual(b);
    return true;
  } catch {
    return false;
  }
}
