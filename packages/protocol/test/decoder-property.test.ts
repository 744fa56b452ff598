/**
 * Property tests of the decoder: replies built from random values, flags,
 * CAS and keys decode back to exactly those, however the bytes are chunked;
 * random garbage never throws anything but ERR_PROTOCOL.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyDecoder } from '../src/decoder';
import { isMemkitError } from '../src/errors';
import { isValidTextKey } from '../src/keys';
import type { Reply } from '../src/replies';
import { cutAt } from './helpers/cut';
import { feedWithViews } from './helpers/views';

const RUNS = { numRuns: 300 };

/** Values that look like protocol text, to catch a decoder that scans data blocks. */
const TRICKY = ['\r\nEND\r\n', 'VALUE x 0 1\r\n', '\r\n', '\r', '\n', 'VA 1 f0\r\n', 'EN\r\n', ''].map((s) =>
  Buffer.from(s, 'latin1'),
);

const valueArb: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      fc.constantFrom(...TRICKY),
      fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    ),
    {
      maxLength: 6,
    },
  )
  .map((parts) => Buffer.concat(parts));

const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter(isValidTextKey),
);

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });

function decodeChunks(chunks: Buffer[], views = false): Reply[] {
  const d = new ReplyDecoder();
  const out: Reply[] = [];
  for (const c of chunks) {
    if (views) feedWithViews(d, c, out);
    else d.feed(c, (r) => out.push(r));
  }
  expect(d.bufferedBytes).toBe(0);
  return out;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

describe('ReplyDecoder properties', () => {
  it('VALUE replies round-trip for random keys, flags, cas, values and chunking', () => {
    const itemArb = fc.record({
      key: keyArb,
      flags: u32,
      value: valueArb,
      cas: fc.option(u64, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 8 }), cutsArb, (items, cuts) => {
        const parts: Buffer[] = [];
        const expected: Reply[] = [];
        for (const it of items) {
          const cas = it.cas === undefined ? '' : ` ${it.cas}`;
          parts.push(
            Buffer.from(`VALUE ${it.key} ${it.flags} ${it.value.length}${cas}\r\n`, 'utf8'),
            it.value,
          );
          parts.push(Buffer.from('\r\n'));
          expected.push(
            it.cas === undefined
              ? { type: 'VALUE', key: it.key, flags: it.flags, value: it.value }
              : { type: 'VALUE', key: it.key, flags: it.flags, value: it.value, cas: it.cas },
          );
        }
        parts.push(Buffer.from('END\r\n'));
        expected.push({ type: 'END' });
        const chunks = cutAt(Buffer.concat(parts), cuts);
        expect(decodeChunks(chunks)).toStrictEqual(expected);
        expect(decodeChunks(chunks, true)).toStrictEqual(expected);
      }),
      RUNS,
    );
  });

  it('VA replies round-trip with random return flags', () => {
    const vaArb = fc.record(
      {
        value: valueArb,
        flags: u32,
        cas: u64,
        ttl: fc.integer({ min: -1, max: 2 ** 31 }),
        opaque: fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 32,
        }),
        key: keyArb,
        hit: fc.boolean(),
        win: fc.constant(true),
      },
      { requiredKeys: ['value'] },
    );
    fc.assert(
      fc.property(fc.array(vaArb, { minLength: 1, maxLength: 6 }), cutsArb, (items, cuts) => {
        const parts: Buffer[] = [];
        const expected: Reply[] = [];
        for (const it of items) {
          let line = `VA ${it.value.length}`;
          const reply: Reply = { type: 'VA', value: it.value };
          if (it.flags !== undefined) {
            line += ` f${it.flags}`;
            reply.flags = it.flags;
          }
          if (it.cas !== undefined) {
            line += ` c${it.cas}`;
            reply.cas = it.cas;
          }
          if (it.ttl !== undefined) {
            line += ` t${it.ttl}`;
            reply.ttl = it.ttl;
          }
          if (it.opaque !== undefined) {
            line += ` O${it.opaque}`;
            reply.opaque = it.opaque;
          }
          if (it.key !== undefined) {
            line += ` k${it.key}`;
            reply.key = it.key;
          }
          if (it.hit !== undefined) {
            line += ` h${it.hit ? 1 : 0}`;
            reply.hit = it.hit;
          }
          if (it.win !== undefined) {
            line += ' W';
            reply.win = true;
          }
          parts.push(Buffer.from(`${line}\r\n`, 'utf8'), it.value, Buffer.from('\r\n'));
          expected.push(reply);
        }
        parts.push(Buffer.from('MN\r\n'));
        expected.push({ type: 'MN' });
        expect(decodeChunks(cutAt(Buffer.concat(parts), cuts))).toStrictEqual(expected);
      }),
      RUNS,
    );
  });

  it('random garbage only ever throws ERR_PROTOCOL, and then stays poisoned', () => {
    // Garbage mixed with real reply fragments reaches deeper parser states than pure noise.
    const fragments = [
      'VALUE k 0 3\r\n',
      'VA 2 f1\r\n',
      'END\r\n',
      'HD c1\r\n',
      'STAT a b\r\n',
      'key=a%20 exp=1\n',
      '12\r\n',
      'ME k a=1\r\n',
      '\r\n',
      'abc',
    ].map((s) => Buffer.from(s, 'latin1'));
    const garbageArb = fc
      .array(
        fc.oneof(
          fc.constantFrom(...fragments),
          fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
        ),
        {
          maxLength: 10,
        },
      )
      .map((parts) => Buffer.concat(parts));
    fc.assert(
      fc.property(garbageArb, cutsArb, fc.integer({ min: 8, max: 64 }), (bytes, cuts, maxLine) => {
        const d = new ReplyDecoder({ maxLineLength: maxLine, maxValueLength: 256 });
        let thrown: unknown = null;
        for (const c of cutAt(bytes, cuts)) {
          try {
            d.feed(c, () => {});
          } catch (err) {
            thrown = err;
            break;
          }
        }
        if (thrown === null) return;
        expect(isMemkitError(thrown, 'ERR_PROTOCOL')).toBe(true);
        expect(() => d.push(Buffer.from('END\r\n'))).toThrow(thrown as Error);
      }),
      { numRuns: 1000 },
    );
  });
});
