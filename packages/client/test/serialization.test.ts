import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDefaultSerializer,
  FLAGS,
  pythonSerializer,
  rawSerializer,
  UnserializableError,
  withCompression,
} from '../src/serialization/index';

const plain = createDefaultSerializer();
const compressing = createDefaultSerializer({ minCompressLength: 1 });

function roundTrip(serializer: typeof plain, value: unknown): unknown {
  const { bytes, flags } = serializer.serialize(value);
  return serializer.deserialize(Buffer.from(bytes), flags);
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('default serializer: encoding', () => {
  it('maps JS types to python-memcached flags', () => {
    expect(plain.serialize(Buffer.from('ab')).flags).toBe(0);
    expect(plain.serialize(new Uint8Array([1])).flags).toBe(0);
    expect(plain.serialize('x')).toEqual({ bytes: Buffer.from('x'), flags: FLAGS.TEXT });
    expect(plain.serialize(-17)).toEqual({ bytes: Buffer.from('-17'), flags: FLAGS.INTEGER });
    expect(plain.serialize(10n ** 30n)).toEqual({
      bytes: Buffer.from(`1${'0'.repeat(30)}`),
      flags: FLAGS.INTEGER,
    });
    expect(plain.serialize(1.5)).toEqual({ bytes: Buffer.from('1.5'), flags: FLAGS.JSON });
    expect(plain.serialize(true)).toEqual({ bytes: Buffer.from('true'), flags: FLAGS.JSON });
    expect(plain.serialize(null)).toEqual({ bytes: Buffer.from('null'), flags: FLAGS.JSON });
    expect(plain.serialize({ a: [1, 'b'] })).toEqual({
      bytes: Buffer.from('{"a":[1,"b"]}'),
      flags: FLAGS.JSON,
    });
  });

  it('stores integers beyond 2^53 given as numbers as JSON (they are no longer exact)', () => {
    expect(plain.serialize(2 ** 60).flags).toBe(FLAGS.JSON);
  });

  it('stores other binary views as their bytes', () => {
    const u16 = new Uint16Array([0x0102, 0x0304]);
    expect(Buffer.from(plain.serialize(u16).bytes)).toEqual(Buffer.from(u16.buffer));
    expect(plain.serialize(new ArrayBuffer(3)).bytes.length).toBe(3);
    const sub = Buffer.from('hello').subarray(1, 3);
    expect(Buffer.from(plain.serialize(new DataView(sub.buffer, sub.byteOffset, 2)).bytes).toString()).toBe(
      'el',
    );
  });

  it('rejects values it cannot store', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      undefined,
      () => 1,
      Symbol('s'),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      { n: 1n },
      cyclic,
    ]) {
      expect(
        codeOf(() => plain.serialize(bad)),
        String(typeof bad),
      ).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(codeOf(() => plain.serialize({ toJSON: () => undefined }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => plain.serialize('a\ud800b'))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('default serializer: decoding', () => {
  const decode = (text: string, flags: number) => plain.deserialize(Buffer.from(text, 'latin1'), flags);

  it('returns the given buffer for flags 0', () => {
    const b = Buffer.from('abc');
    expect(plain.deserialize(b, 0)).toBe(b);
  });

  it('reads integers as Python int() does', () => {
    expect(decode(' 42\n', FLAGS.INTEGER)).toBe(42);
    expect(decode('+7', FLAGS.LONG)).toBe(7);
    expect(decode('1_000', FLAGS.INTEGER)).toBe(1000);
    expect(decode('9007199254740991', FLAGS.INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode('9007199254740993', FLAGS.INTEGER)).toBe(9007199254740993n);
    expect(decode('-9007199254740993', FLAGS.LONG)).toBe(-9007199254740993n);
    for (const bad of ['', '4_', '_4', '1__0', '0x10', '1.0', '١']) {
      expect(
        codeOf(() => plain.deserialize(Buffer.from(bad), FLAGS.INTEGER)),
        bad,
      ).toBe('ERR_UNSERIALIZABLE');
    }
  });

  it('decodes mixed flags in python-memcached order', () => {
    expect(decode('12', FLAGS.TEXT | FLAGS.INTEGER)).toBe('12');
    expect(decode('12', FLAGS.TEXT | FLAGS.JSON)).toBe('12');
    expect(decode('12', FLAGS.INTEGER | FLAGS.LONG)).toBe(12);
    expect(decode('12', FLAGS.INTEGER | FLAGS.PICKLE)).toBe(12);
    expect(decode('12', FLAGS.TEXT | 64)).toBe('12');
    expect(codeOf(() => decode('12', FLAGS.PICKLE | FLAGS.JSON))).toBe('ERR_UNSERIALIZABLE');
    expect(codeOf(() => decode('12', 64))).toBe('ERR_UNSERIALIZABLE');
    expect(codeOf(() => decode('12', 0x80000000))).toBe('ERR_UNSERIALIZABLE');
  });

  it('keeps a byte-order mark and refuses invalid UTF-8, as Python does', () => {
    expect(plain.deserialize(Buffer.from('efbbbf41', 'hex'), FLAGS.TEXT)).toBe('\ufeffA');
    expect(codeOf(() => plain.deserialize(Buffer.from('c3', 'hex'), FLAGS.TEXT))).toBe('ERR_UNSERIALIZABLE');
    expect(codeOf(() => plain.deserialize(Buffer.from('{"a":', 'utf8'), FLAGS.JSON))).toBe(
      'ERR_UNSERIALIZABLE',
    );
  });

  it('explains a pickle and attaches raw bytes and flags', () => {
    const raw = Buffer.from('N.');
    let error: unknown;
    try {
      plain.deserialize(raw, FLAGS.PICKLE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnserializableError);
    const err = error as UnserializableError;
    expect(err.code).toBe('ERR_UNSERIALIZABLE');
    expect(err.message).toMatch(/Python pickle/);
    expect(err.raw).toBe(raw);
    expect(err.flags).toBe(FLAGS.PICKLE);
  });

  it('reports a compressed pickle as stored, not as inflated', () => {
    const stored = deflateSync(Buffer.from('N.'));
    let err: UnserializableError | undefined;
    try {
      plain.deserialize(stored, FLAGS.PICKLE | FLAGS.ZLIB);
    } catch (e) {
      err = e as UnserializableError;
    }
    expect(err?.raw).toBe(stored);
    expect(err?.flags).toBe(FLAGS.PICKLE | FLAGS.ZLIB);
  });

  it('asks for withCompression when the bare serializer sees flag 8', () => {
    expect(() => pythonSerializer.deserialize(deflateSync('x'), FLAGS.ZLIB)).toThrow(/withCompression/);
  });
});

describe('compression', () => {
  const repetitive = 'memkit '.repeat(200);

  it('is off by default and still reads compressed values', () => {
    expect(plain.serialize(repetitive).flags).toBe(FLAGS.TEXT);
    expect(plain.deserialize(deflateSync(repetitive), FLAGS.TEXT | FLAGS.ZLIB)).toBe(repetitive);
  });

  it('compresses only above the threshold, only when smaller, never integers', () => {
    const s = createDefaultSerializer({ minCompressLength: 100 });
    expect(s.serialize('a'.repeat(100)).flags).toBe(FLAGS.TEXT);
    expect(s.serialize('a'.repeat(101)).flags).toBe(FLAGS.TEXT | FLAGS.ZLIB);
    // Digests look random to zlib: deflate cannot shrink them.
    const noise = Buffer.concat(
      Array.from({ length: 13 }, (_, i) => createHash('sha256').update(String(i)).digest()),
    );
    expect(s.serialize(noise).flags).toBe(0);
    expect(s.serialize(10n ** 200n).flags).toBe(FLAGS.INTEGER);
    expect(s.serialize({ list: Array(100).fill(0) }).flags).toBe(FLAGS.JSON | FLAGS.ZLIB);
  });

  it('honours the level (level 0 never shrinks, so nothing is compressed)', () => {
    expect(
      createDefaultSerializer({ minCompressLength: 1, compressionLevel: 0 }).serialize(repetitive).flags,
    ).toBe(FLAGS.TEXT);
    expect(
      createDefaultSerializer({ minCompressLength: 1, compressionLevel: 9 }).serialize(repetitive).flags,
    ).toBe(FLAGS.TEXT | FLAGS.ZLIB);
  });

  it('stops a decompression bomb at maxDecompressedLength', () => {
    const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(10_000);
    const s = createDefaultSerializer({ maxDecompressedLength: 1024 * 1024 });
    let err: UnserializableError | undefined;
    try {
      s.deserialize(bomb, FLAGS.ZLIB);
    } catch (e) {
      err = e as UnserializableError;
    }
    expect(err?.code).toBe('ERR_UNSERIALIZABLE');
    expect(err?.message).toMatch(/maxDecompressedLength/);
    expect(err?.raw).toBe(bomb);
    // The default bound (64 MiB) lets the same value through.
    expect((plain.deserialize(bomb, FLAGS.ZLIB) as Buffer).length).toBe(8 * 1024 * 1024);
  });

  it('rejects out-of-range options', () => {
    for (const opts of [{ minCompressLength: -1 }, { compressionLevel: 10 }, { maxDecompressedLength: 0 }]) {
      expect(
        codeOf(() => createDefaultSerializer(opts)),
        JSON.stringify(opts),
      ).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(codeOf(() => withCompression(rawSerializer, { level: 1.5 }))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('raw serializer', () => {
  it('passes bytes and flags through both ways', () => {
    const bytes = Buffer.from([0, 255, 10]);
    expect(rawSerializer.serialize({ bytes, flags: 0xffffffff })).toEqual({ bytes, flags: 0xffffffff });
    expect(rawSerializer.deserialize(bytes, 17)).toEqual({ value: bytes, flags: 17 });
  });

  it('rejects malformed input', () => {
    const bad = [
      { bytes: 'x', flags: 0 },
      { bytes: Buffer.alloc(0), flags: -1 },
      { bytes: Buffer.alloc(0), flags: 2 ** 32 },
    ];
    for (const v of bad) {
      expect(codeOf(() => rawSerializer.serialize(v as never))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('round trips (fast-check)', () => {
  const serializers = [
    ['plain', plain],
    ['compressing', compressing],
  ] as const;

  for (const [name, s] of serializers) {
    it(`${name}: strings, including any unicode, come back equal`, () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.nat({ max: 20 }), (str, repeat) => {
          const value = str.repeat(repeat);
          const { flags } = s.serialize(value);
          expect(flags & ~FLAGS.ZLIB).toBe(FLAGS.TEXT);
          expect(roundTrip(s, value)).toBe(value);
        }),
      );
    });

    it(`${name}: bytes come back equal`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, doubled) => {
          const value = doubled ? Buffer.concat([bytes, bytes]) : bytes;
          expect(Buffer.from(roundTrip(s, value) as Buffer).equals(Buffer.from(value))).toBe(true);
        }),
      );
    });

    it(`${name}: safe integers and bigints come back as the same integer`, () => {
      fc.assert(
        fc.property(fc.maxSafeInteger(), (n) => {
          expect(roundTrip(s, n)).toBe(n === 0 ? 0 : n);
        }),
      );
      fc.assert(
        fc.property(fc.bigInt(), (n) => {
          const back = roundTrip(s, n);
          expect(BigInt(back as bigint)).toBe(n);
          expect(typeof back).toBe(Number.isSafeInteger(Number(n)) ? 'number' : 'bigint');
        }),
      );
    });

    it(`${name}: JSON values come back equal`, () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(roundTrip(s, value)).toEqual(JSON.parse(JSON.stringify(value)));
        }),
      );
    });
  }

  it('compressing: large repetitive values are stored compressed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (str) => {
        const value = str.repeat(Math.ceil(400 / str.length));
        const { bytes, flags } = compressing.serialize(value);
        expect(flags).toBe(FLAGS.TEXT | FLAGS.ZLIB);
        expect(bytes.length).toBeLessThan(Buffer.byteLength(value));
      }),
    );
  });
});

describe('deserializeSlice (in-place decoding of multi-get values)', () => {
  /** What deserialize gives for the same bytes and flags: the value, or the error's code and message. */
  function outcome(run: () => unknown): { value: unknown } | { error: string } {
    try {
      return { value: run() };
    } catch (e) {
      return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
    }
  }

  const TRICKY = [
    [0xff],
    [0xef, 0xbb, 0xbf], // BOM, kept as U+FEFF
    [0xef, 0xbf, 0xbd], // a real U+FFFD
    [0xed, 0xa0, 0x80], // a UTF-8-encoded surrogate: invalid
    [0xc3],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98, 0x80],
  ].map((b) => Buffer.from(b));
  const bytesArb = fc
    .array(
      fc.oneof(
        fc.constantFrom(...TRICKY),
        fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')),
        fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u)),
      ),
      { maxLength: 5 },
    )
    .map((parts) => Buffer.concat(parts));
  const flagsArb = fc.oneof(
    fc.constantFrom(
      0,
      FLAGS.TEXT,
      FLAGS.INTEGER,
      FLAGS.LONG,
      FLAGS.JSON,
      FLAGS.PICKLE,
      FLAGS.ZLIB,
      FLAGS.TEXT | 1,
    ),
    fc.integer({ min: 0, max: 0xffff_ffff }),
  );

  for (const [name, serializer] of [
    ['pythonSerializer', pythonSerializer],
    ['the default serializer', plain],
  ] as const) {
    it(`${name}: equals deserialize of the same bytes, values and errors alike`, () => {
      fc.assert(
        fc.property(bytesArb, flagsArb, fc.nat(16), fc.nat(16), (bytes, flags, before, after) => {
          const buf = Buffer.concat([Buffer.alloc(before, 0x41), bytes, Buffer.alloc(after, 0x42)]);
          const start = before;
          const end = before + bytes.length;
          expect(outcome(() => serializer.deserializeSlice!(buf, start, end, flags))).toStrictEqual(
            outcome(() => serializer.deserialize(Buffer.from(bytes), flags)),
          );
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('decodes compressed values and every serialized type in place', () => {
    for (const value of [
      'hé✓',
      'plain',
      42,
      2n ** 70n,
      { a: [1, 'x'] },
      Buffer.from([0, 1, 255]),
      'x'.repeat(500),
    ]) {
      const { bytes, flags } = compressing.serialize(value);
      const buf = Buffer.concat([Buffer.from('VALUE k 0 1\r\n'), bytes, Buffer.from('\r\nEND\r\n')]);
      const got = compressing.deserializeSlice!(buf, 13, 13 + bytes.length, flags);
      expect(got).toStrictEqual(compressing.deserialize(Buffer.from(bytes), flags));
    }
  });
});

describe('serializeForWrite (text values written as strings)', () => {
  /** The data block a write of `v` puts on the wire. */
  const wireBytes = (v: { bytes: Uint8Array } | { text: string }) =>
    'text' in v ? Buffer.from(v.text, 'utf8') : Buffer.from(v.bytes);
  const valueArb = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
    fc.uint8Array({ maxLength: 40 }),
    fc.jsonValue(),
    fc.constantFrom('x'.repeat(10_240), 'é✓😀'.repeat(3000), 'a\ud800b', Number.NaN, undefined),
  );

  for (const [name, serializer] of [
    ['default', plain],
    ['compressing above 1 byte', compressing],
    ['compressing above 300 bytes', createDefaultSerializer({ minCompressLength: 300 })],
  ] as const) {
    it(`${name}: the same bytes, flags and errors as serialize`, () => {
      fc.assert(
        fc.property(valueArb, (value) => {
          const expected = codeOf(() => serializer.serialize(value));
          if (expected !== undefined) {
            expect(codeOf(() => serializer.serializeForWrite!(value))).toBe(expected);
            return;
          }
          const a = serializer.serialize(value);
          const b = serializer.serializeForWrite!(value);
          expect(b.flags).toBe(a.flags);
          expect(wireBytes(b).equals(Buffer.from(a.bytes))).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('gives text as text unless it gets compressed, and bytes as the given buffer', () => {
    expect(plain.serializeForWrite!('hé')).toEqual({ text: 'hé', flags: FLAGS.TEXT });
    expect(plain.serializeForWrite!(42)).toEqual({ text: '42', flags: FLAGS.INTEGER });
    expect(plain.serializeForWrite!({ a: 1 })).toEqual({ text: '{"a":1}', flags: FLAGS.JSON });
    const b = Buffer.from('raw');
    expect(plain.serializeForWrite!(b)).toEqual({ bytes: b, flags: 0 });
    expect((plain.serializeForWrite!(b) as { bytes: Uint8Array }).bytes).toBe(b);
    const big = 'z'.repeat(500);
    expect(createDefaultSerializer({ minCompressLength: 1000 }).serializeForWrite!(big)).toEqual({
      text: big,
      flags: FLAGS.TEXT,
    });
    const packed = compressing.serializeForWrite!(big);
    expect(packed.flags).toBe(FLAGS.TEXT | FLAGS.ZLIB);
    expect('bytes' in packed && packed.bytes.length < 100).toBe(true);
  });

  it('is absent from the raw serializer, whose values are bytes already', () => {
    expect(rawSerializer.serializeForWrite).toBeUndefined();
  });
});
