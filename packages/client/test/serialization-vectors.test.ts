import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDefaultSerializer, FLAGS, UnserializableError } from '../src/serialization/index';
import {
  type FlagsStoreEntry,
  type FlagsVectors,
  hex,
  loadVectors,
  type PythonResult,
  parsePythonRepr,
} from './helpers/vectors';

const pyMemcached = loadVectors<FlagsVectors>('flags-python-memcached.json');
const pylibmc = loadVectors<FlagsVectors>('flags-pylibmc.json');

const VALUE_TYPES = new Set(['str', 'bytes', 'int']);

/** The Python value a store[] entry held, as the JS value memkit stores the same way (or undefined). */
function jsValueOf(entry: FlagsStoreEntry): unknown {
  if (!VALUE_TYPES.has(entry.python_type)) return undefined; // float, bool, None, containers: pickled by Python
  const plain = hex(entry.zlib_decompressed_hex ?? entry.value_hex);
  if (entry.python_type === 'bytes') return plain;
  if (entry.python_type === 'str') return plain.toString('utf8');
  const big = BigInt(plain.toString('latin1'));
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** Asserts that `run()` behaves like the Python library's `result`, as memkit means to. */
function expectLikePython(run: () => unknown, result: PythonResult, label: string): void {
  if ('exception' in result || !VALUE_TYPES.has(result.type)) {
    // A Python exception, or a pickle (which Python decoded and memkit cannot).
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error, label).toBeInstanceOf(UnserializableError);
    expect((error as UnserializableError).code, label).toBe('ERR_UNSERIALIZABLE');
    return;
  }
  const actual = run();
  const { value, truncated } = parsePythonRepr(result.type, result.repr);
  switch (value.type) {
    case 'int':
      expect(['number', 'bigint'], label).toContain(typeof actual);
      expect(BigInt(actual as number | bigint), label).toBe(value.value);
      if (typeof actual === 'bigint') expect(Number.isSafeInteger(Number(actual)), label).toBe(false);
      break;
    case 'str':
      expect(typeof actual, label).toBe('string');
      if (truncated) {
        expect((actual as string).startsWith(value.value), label).toBe(true);
        expect([...(actual as string)].length, label).toBe(result.len);
      } else {
        expect(actual, label).toBe(value.value);
      }
      break;
    case 'bytes':
      expect(Buffer.isBuffer(actual), label).toBe(true);
      if (truncated) {
        expect((actual as Buffer).subarray(0, value.value.length).equals(value.value), label).toBe(true);
        expect((actual as Buffer).length, label).toBe(result.len);
      } else {
        expect((actual as Buffer).equals(value.value), label).toBe(true);
      }
      break;
  }
}

describe('flags-python-memcached.json', () => {
  it('documents the decode order memkit follows', () => {
    // python-memcached: zlib first, then 0 / 16 / 2 / 4 / 1 / error; memkit adds 32 (JSON) after 1.
    expect(pyMemcached.decode_order).toMatch(/flags & 8 -> zlib.decompress first/);
    expect(pyMemcached.decode_order).toMatch(
      /flags == 0 -> bytes; elif & 16 -> utf-8 str; elif & 2 -> int; elif & 4 -> int; elif & 1/,
    );
  });

  const producible = pyMemcached.store.filter((e) => jsValueOf(e) !== undefined);

  it('has bytes, str, int and compressed values that memkit can produce', () => {
    expect(producible.length).toBeGreaterThanOrEqual(12);
    expect(producible.some((e) => e.flags & FLAGS.ZLIB)).toBe(true);
    expect(new Set(producible.map((e) => e.python_type))).toEqual(VALUE_TYPES);
  });

  for (const entry of producible) {
    it(`store ${entry.name}: same flags and bytes as python-memcached`, () => {
      const serializer = createDefaultSerializer({ minCompressLength: entry.min_compress_len ?? 0 });
      const value = jsValueOf(entry);
      const ours = serializer.serialize(value);
      expect(ours.flags).toBe(entry.flags);
      if (entry.flags & FLAGS.ZLIB) {
        // Compressed bytes depend on the zlib build: compare what they inflate to.
        const want = hex(entry.zlib_decompressed_hex!);
        expect(inflateSync(ours.bytes).equals(want)).toBe(true);
        expect(inflateSync(hex(entry.value_hex)).equals(want)).toBe(true);
      } else {
        expect(Buffer.from(ours.bytes).equals(hex(entry.value_hex))).toBe(true);
      }
      if (typeof value === 'number') {
        // The same integer given as a bigint is stored identically.
        expect(serializer.serialize(BigInt(value))).toEqual(ours);
      }
    });
  }

  for (const entry of pyMemcached.store) {
    it(`store ${entry.name}: memkit reads what python-memcached stored`, () => {
      const serializer = createDefaultSerializer();
      expectLikePython(
        () => serializer.deserialize(hex(entry.value_hex), entry.flags),
        entry.read_back_by_same_library,
        entry.name,
      );
    });
  }

  for (const entry of pyMemcached.load) {
    it(`load ${entry.name} (flags ${entry.flags}): decoded like python-memcached`, () => {
      const serializer = createDefaultSerializer();
      expectLikePython(
        () => serializer.deserialize(hex(entry.value_hex), entry.flags),
        entry.result,
        entry.name,
      );
    });
  }

  it('has every combination of the five flag bits', () => {
    expect(pyMemcached.flag_combinations.map((e) => e.flags)).toEqual(
      Array.from({ length: 32 }, (_, i) => i),
    );
  });

  for (const entry of pyMemcached.flag_combinations) {
    it(`flag combination ${entry.flags}: decoded like python-memcached`, () => {
      const serializer = createDefaultSerializer();
      expectLikePython(
        () => serializer.deserialize(hex(entry.value_hex), entry.flags),
        entry.result,
        entry.name,
      );
    });
  }

  it('attaches the stored bytes and flags to a pickle error', () => {
    const pickled = pyMemcached.store.filter((e) => e.pickled);
    expect(pickled.length).toBeGreaterThan(0);
    const serializer = createDefaultSerializer();
    for (const entry of pickled) {
      const raw = hex(entry.value_hex);
      try {
        serializer.deserialize(raw, entry.flags);
        expect.unreachable(entry.name);
      } catch (e) {
        const err = e as UnserializableError;
        expect(err.raw.equals(raw), entry.name).toBe(true);
        expect(err.flags, entry.name).toBe(entry.flags);
        expect(err.message, entry.name).toMatch(/pickle/);
      }
    }
  });
});

describe('flags-pylibmc.json', () => {
  it('has int (4), compressed int (12) and bool (2) values to read', () => {
    const flags = new Set(pylibmc.store.map((e) => e.flags));
    for (const f of [FLAGS.LONG, FLAGS.LONG | FLAGS.ZLIB, FLAGS.INTEGER]) expect(flags.has(f)).toBe(true);
  });

  for (const entry of pylibmc.store) {
    it(`store ${entry.name} (flags ${entry.flags}): memkit reads what pylibmc stored`, () => {
      const serializer = createDefaultSerializer();
      expectLikePython(
        () => serializer.deserialize(hex(entry.value_hex), entry.flags),
        entry.read_back_by_same_library,
        entry.name,
      );
    });
  }

  // pylibmc rejects combined flags and reads unknown bits as bytes; memkit
  // decodes those as python-memcached does (32 being memkit's JSON flag).
  const FOLLOW_PYTHON_MEMCACHED = ['flags17_text_and_pickle', 'flags18_text_and_int', 'flags32_unknown'];

  it('lists the raw values where pylibmc and python-memcached disagree', () => {
    for (const name of FOLLOW_PYTHON_MEMCACHED) {
      const a = pylibmc.load.find((e) => e.name === name);
      const b = pyMemcached.load.find((e) => e.name === name);
      expect(a, name).toBeDefined();
      expect(b, name).toBeDefined();
      expect(a!.result, name).not.toEqual(b!.result);
    }
  });

  for (const entry of pylibmc.load) {
    const followPy = FOLLOW_PYTHON_MEMCACHED.includes(entry.name);
    it(`load ${entry.name} (flags ${entry.flags}): decoded like ${followPy ? 'python-memcached' : 'pylibmc'}`, () => {
      const serializer = createDefaultSerializer();
      const result = followPy ? pyMemcached.load.find((e) => e.name === entry.name)!.result : entry.result;
      expectLikePython(() => serializer.deserialize(hex(entry.value_hex), entry.flags), result, entry.name);
    });
  }
});
