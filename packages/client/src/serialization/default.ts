/**
 * memkit's default value encoding, compatible with python-memcached 1.59 so
 * a Node and a Python process can share keys: bytes (flags 0), UTF-8 text
 * (16) and integers (2) mean the same on both sides, and zlib (8) is read
 * and, when enabled, written by python-memcached's rules. Other JSON-able
 * values use memkit's own JSON flag (32), which Python cannot read; Python
 * pickles (flag 1) cannot be read here and fail with `ERR_UNSERIALIZABLE`.
 * Checked against the repository's fixtures/vectors/flags-python-memcached.json and
 * flags-pylibmc.json.
 */
import { isAscii } from 'node:buffer';
import { MemkitError } from '@memkit/protocol';
import { type CompressionOptions, withCompression } from './compression';
import { UnserializableError } from './errors';
import { FLAGS } from './flags';
import { utf8Range } from './slice';
import type { SerializedText, SerializedValue, Serializer } from './types';

// fatal: Python's utf-8 codec raises on bad bytes instead of substituting
// U+FFFD; ignoreBOM: it also keeps a leading BOM as U+FEFF.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// What Python's int() accepts from bytes: ASCII whitespace around an optional
// sign and decimal digits, with single underscores between digits.
const PY_INT = /^[ \t\n\r\v\f]*([+-]?)(\d+(?:_\d+)*)[ \t\n\r\v\f]*$/;

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 typings.
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function decodeText(bytes: Buffer, flags: number, what: string): string {
  try {
    // ASCII (the common case) cannot be malformed: skip the validating decoder.
    return isAscii(bytes) ? bytes.toString('latin1') : utf8.decode(bytes);
  } catch (cause) {
    throw new UnserializableError(`value with flags ${flags} (${what}) is not valid UTF-8`, bytes, flags, {
      cause,
    });
  }
}

function decodeInteger(bytes: Buffer, flags: number): number | bigint {
  const match = PY_INT.exec(bytes.toString('latin1'));
  if (match === null) {
    throw new UnserializableError(
      `value with flags ${flags} (integer) is not a decimal integer: ${JSON.stringify(bytes.subarray(0, 40).toString('latin1'))}`,
      bytes,
      flags,
    );
  }
  const big = BigInt(match[1]! + match[2]!.replaceAll('_', ''));
  const small = Number(big);
  return Number.isSafeInteger(small) ? small : big;
}

function encodeJson(value: unknown): SerializedText {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `cannot serialize value as JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (text === undefined) throw new MemkitError('ERR_INVALID_ARGUMENT', 'cannot serialize value as JSON');
  return { text, flags: FLAGS.JSON };
}

/** The text form of every value that has one (all but bytes), else undefined. */
function asText(value: unknown): SerializedText | undefined {
  switch (typeof value) {
    case 'string':
      // Buffer.from would silently turn a lone surrogate into U+FFFD;
      // Python's str.encode('utf-8') refuses it too.
      if (!isWellFormed(value)) {
        throw new MemkitError(
          'ERR_INVALID_ARGUMENT',
          'cannot serialize a string with a lone surrogate as UTF-8',
        );
      }
      return { text: value, flags: FLAGS.TEXT };
    case 'bigint':
      return { text: value.toString(), flags: FLAGS.INTEGER };
    case 'number':
      if (Number.isSafeInteger(value)) return { text: String(value), flags: FLAGS.INTEGER };
      if (!Number.isFinite(value)) {
        throw new MemkitError('ERR_INVALID_ARGUMENT', `cannot serialize ${value}: JSON has no such number`);
      }
      return encodeJson(value);
    case 'boolean':
      return encodeJson(value);
    case 'object':
      if (value === null) return encodeJson(value);
      if (value instanceof Uint8Array || ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
        return undefined;
      return encodeJson(value);
    default:
      throw new MemkitError('ERR_INVALID_ARGUMENT', `cannot serialize a value of type ${typeof value}`);
  }
}

/**
 * The default encoding without compression (so it can be wrapped with a
 * different `withCompression` setup). Values map to flags as follows:
 *
 * | value | flags | bytes |
 * |---|---|---|
 * | `Buffer` / `Uint8Array` (other views and `ArrayBuffer`s as their bytes) | 0 | as is |
 * | `string` | 16 | UTF-8 |
 * | safe-integer `number`, `bigint` | 2 | ASCII decimal |
 * | other numbers, booleans, `null`, plain objects, arrays | 32 | JSON |
 * | `undefined`, functions, symbols, `NaN`, `±Infinity`, strings with lone surrogates | - | `ERR_INVALID_ARGUMENT` |
 *
 * Decoding follows python-memcached's order, so mixed flags read the same:
 * 0 → `Buffer` (the given buffer, not a copy); 16 → `string`; 2 or 4 →
 * integer, a `number` when it is a safe integer and a `bigint` otherwise (so
 * `5n` reads back as `5`); 1 → `UnserializableError` (pickle); 32 → JSON;
 * anything else → `UnserializableError`. Flag 8 must have been removed by
 * `withCompression` first. `-0` is stored as the integer `0`.
 */
export const pythonSerializer: Serializer<unknown> = {
  serialize(value: unknown): SerializedValue {
    const text = asText(value);
    if (text !== undefined) return { bytes: Buffer.from(text.text, 'utf8'), flags: text.flags };
    if (value instanceof Uint8Array) return { bytes: value, flags: 0 };
    if (ArrayBuffer.isView(value)) {
      return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength), flags: 0 };
    }
    return { bytes: Buffer.from(value as ArrayBuffer), flags: 0 };
  },

  serializeForWrite(value: unknown): SerializedValue | SerializedText {
    return asText(value) ?? pythonSerializer.serialize(value);
  },

  deserialize(bytes: Buffer, flags: number): unknown {
    if (flags === 0) return bytes;
    if (flags & FLAGS.TEXT) return decodeText(bytes, flags, 'text');
    if (flags & (FLAGS.INTEGER | FLAGS.LONG)) return decodeInteger(bytes, flags);
    if (flags & FLAGS.PICKLE) {
      throw new UnserializableError(
        `value with flags ${flags} is a Python pickle (written by python-memcached or pylibmc for a float, ` +
          'bool, None, dict, list, tuple or object); memkit cannot decode pickles. Store it from Python as ' +
          'str/bytes/int (or JSON text), or read it in raw mode.',
        bytes,
        flags,
      );
    }
    if (flags & FLAGS.JSON) {
      const text = decodeText(bytes, flags, 'JSON');
      try {
        return JSON.parse(text);
      } catch (cause) {
        throw new UnserializableError(`value with flags ${flags} (JSON) does not parse`, bytes, flags, {
          cause,
        });
      }
    }
    const why =
      flags & FLAGS.ZLIB ? 'is compressed; wrap the serializer with withCompression' : 'has unknown flags';
    throw new UnserializableError(`value with flags ${flags} ${why}`, bytes, flags);
  },

  deserializeSlice(buf: Buffer, start: number, end: number, flags: number): unknown {
    // Text (the common case) straight from the receive buffer; everything
    // else, and text that needs the validating decoder, as `deserialize`.
    if (flags !== 0 && flags & FLAGS.TEXT) {
      const text = utf8Range(buf, start, end);
      if (text !== undefined) return text;
    }
    return pythonSerializer.deserialize(buf.subarray(start, end), flags);
  },
};

/** Options of `createDefaultSerializer`. */
export interface DefaultSerializerOptions {
  /**
   * Compress values whose encoded length is strictly greater than this
   * (python-memcached's `min_compress_len`). Default 0: off, as
   * python-memcached's default. Compressed values are read either way.
   */
  minCompressLength?: number;
  /** zlib level -1..9. Default -1 (zlib's default, as Python's `zlib.compress`). */
  compressionLevel?: number;
  /** Bound on an inflated value, in bytes. Default 64 MiB. */
  maxDecompressedLength?: number;
}

/**
 * The default serializer: `pythonSerializer` wrapped by `withCompression`.
 * Values it writes are read by python-memcached 1.59 as the same bytes, str
 * or int, and it reads what python-memcached and pylibmc write (except
 * pickles).
 * @throws MemkitError `ERR_INVALID_ARGUMENT` on out-of-range options.
 */
export function createDefaultSerializer(options: DefaultSerializerOptions = {}): Serializer<unknown> {
  const compression: CompressionOptions = { minCompressLength: options.minCompressLength ?? 0 };
  if (options.compressionLevel !== undefined) compression.level = options.compressionLevel;
  if (options.maxDecompressedLength !== undefined)
    compression.maxDecompressedLength = options.maxDecompressedLength;
  return withCompression(pythonSerializer, compression);
}
