/**
 * Property tests of the encoders: for any input they either throw a
 * MemkitError (ERR_KEY_INVALID / ERR_INVALID_ARGUMENT) or emit exactly one
 * command line ending in CRLF with no other CR or LF, so no input can inject a
 * second command. Keys with whitespace or control characters always throw.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as meta from '../src/encode-meta';
import * as text from '../src/encode-text';
import { isMemkitError } from '../src/errors';
import { MAX_OPAQUE_LENGTH } from '../src/limits';

// Each arbitrary mixes mostly-valid inputs (so plenty get encoded) with hostile ones.
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const keyArb = fc.oneof(
  { arbitrary: fc.string({ unit: printable, minLength: 1, maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 260 }), weight: 1 },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'é', ' ', '\r', '\n', '\t', '\x00', '\x7f', '😀'),
      maxLength: 30,
    }),
    weight: 1,
  },
);
const numArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 100_000 }), weight: 6 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  {
    arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, 2 ** 53, -0, -1, 1e21),
    weight: 1,
  },
);
const bigArb = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), weight: 6 },
  { arbitrary: fc.bigInt({ min: -5n, max: 2n ** 65n }), weight: 1 },
);
const tokenArb = fc.oneof(
  { arbitrary: fc.string({ unit: printable, minLength: 1, maxLength: 32 }), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
);
const value = Buffer.from('v\r\nx');

interface Args {
  key: string;
  keys: string[];
  n: number;
  m: number;
  big: bigint;
  token: string;
  flag: boolean;
}

const argsArb: fc.Arbitrary<Args> = fc.record({
  key: keyArb,
  keys: fc.array(keyArb, { maxLength: 4 }),
  n: numArb,
  m: numArb,
  big: bigArb,
  token: tokenArb,
  flag: fc.boolean(),
});

type Encoder = (a: Args) => string | text.Chunk[];
const ENCODERS: Record<string, Encoder> = {
  set: (a) => text.encodeStore('set', a.key, value, a.n, a.m, a.flag),
  cas: (a) => text.encodeCas(a.key, value, a.n, a.m, a.big, a.flag),
  get: (a) => text.encodeGet('gets', [a.key, ...a.keys]),
  gat: (a) => text.encodeGat('gat', a.n, [a.key, ...a.keys]),
  delete: (a) => text.encodeDelete(a.key, a.flag),
  incr: (a) => text.encodeIncrDecr('incr', a.key, a.flag ? a.big : a.n, a.flag),
  touch: (a) => text.encodeTouch(a.key, a.n, a.flag),
  stats: (a) => text.encodeStats(a.token),
  flush: (a) => text.encodeFlushAll(a.n, a.flag),
  verbosity: (a) => text.encodeVerbosity(a.n, a.flag),
  mg: (a) =>
    meta.encodeMetaGet(a.key, {
      base64: a.flag,
      value: true,
      opaque: a.token,
      touch: a.n,
      vivify: a.m,
      recache: a.m,
    }),
  ms: (a) =>
    meta.encodeMetaSet(a.key, value, { flags: a.n, ttl: a.m, cas: a.big, opaque: a.token, quiet: a.flag }),
  md: (a) => meta.encodeMetaDelete(a.key, { cas: a.big, ttl: a.n, opaque: a.token, invalidate: a.flag }),
  ma: (a) =>
    meta.encodeMetaArithmetic(a.key, {
      delta: a.big,
      initial: a.flag ? undefined : a.n,
      vivify: a.m,
      opaque: a.token,
    }),
  me: (a) => meta.encodeMetaDebug(a.key, a.flag),
};

const KEYED = new Set(['set', 'cas', 'get', 'gat', 'delete', 'incr', 'touch', 'mg', 'ms', 'md', 'ma', 'me']);

const KEY_BAD_CHAR = /[\x00-\x20\x7f]/;
const OPAQUE_USERS = new Set(['mg', 'ms', 'md', 'ma']);

describe('encoders never emit an injectable line', () => {
  for (const [name, encode] of Object.entries(ENCODERS)) {
    it(name, () => {
      let accepted = 0;
      fc.assert(
        fc.property(argsArb, (a) => {
          let out: string | text.Chunk[];
          try {
            out = encode(a);
          } catch (err) {
            expect(isMemkitError(err)).toBe(true);
            expect(['ERR_KEY_INVALID', 'ERR_INVALID_ARGUMENT']).toContain((err as { code: string }).code);
            return;
          }
          const line = typeof out === 'string' ? out : (out[0] as string);
          expect(line.endsWith('\r\n')).toBe(true);
          const body = line.slice(0, -2);
          expect(body).not.toMatch(/[\r\n]/);
          // An opaque memcached would refuse never passes (it answers CLIENT_ERROR, not the command).
          if (OPAQUE_USERS.has(name)) expect(a.token.length).toBeLessThanOrEqual(MAX_OPAQUE_LENGTH);
          if (KEYED.has(name)) {
            expect(KEY_BAD_CHAR.test(a.key)).toBe(false);
            expect(Buffer.byteLength(a.key)).toBeLessThanOrEqual(250);
          }
          if (typeof out !== 'string') {
            expect(out).toHaveLength(3);
            expect(out[2]).toBe('\r\n');
          }
          accepted++;
        }),
        { numRuns: 400 },
      );
      // The property is only meaningful if plenty of inputs got through.
      expect(accepted).toBeGreaterThan(20);
    });
  }

  it('always rejects a key with whitespace or a control character', () => {
    const badKey = fc
      .tuple(keyArb, fc.constantFrom(' ', '\r', '\n', '\t', '\x00', '\x01', '\x7f', '\x1f'), keyArb)
      .map(([a, c, b]) => a + c + b);
    fc.assert(
      fc.property(badKey, (key) => {
        for (const encode of [
          () => text.encodeGet('get', [key]),
          () => text.encodeDelete(key),
          () => meta.encodeMetaGet(key, {}),
          () => meta.encodeMetaSet(key, value, {}),
        ]) {
          expect(encode).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('text data blocks', () => {
  /** The bytes a socket writes for `chunks` (strings as UTF-8). */
  const wire = (chunks: Array<string | Uint8Array>) =>
    Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  const textArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\r', '\n', '\x00', ' '), maxLength: 200 }),
  );
  const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

  it('a string value is written exactly as its UTF-8 bytes would be', () => {
    fc.assert(
      fc.property(textArb.filter(wellFormed), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (s, flags) => {
        const bytes = Buffer.from(s, 'utf8');
        const o = { flags, ttl: 60, opaque: '7' };
        expect(wire(meta.encodeMetaSet('k', s, o))).toEqual(wire(meta.encodeMetaSet('k', bytes, o)));
        expect(wire(text.encodeStore('set', 'k', s, flags, 60))).toEqual(
          wire(text.encodeStore('set', 'k', bytes, flags, 60)),
        );
        expect(wire(text.encodeCas('k', s, flags, 60, 5n))).toEqual(
          wire(text.encodeCas('k', bytes, flags, 60, 5n)),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('refuses text with a lone surrogate (it has no UTF-8 form)', () => {
    for (const s of ['\uD800', 'a\uDC00b', 'x'.repeat(5000) + '\uD83D']) {
      for (const encode of [
        () => meta.encodeMetaSet('k', s),
        () => text.encodeStore('set', 'k', s, 0, 0),
        () => text.encodeCas('k', s, 0, 0, 1n),
      ]) {
        expect(encode).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
      }
    }
  });
});
