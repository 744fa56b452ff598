/**
 * zlib compression as a serializer wrapper (flag 8), with python-memcached's
 * rules for when to compress and a bound on how far a value may inflate.
 */
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { MemkitError } from '@memkit/protocol';
import { UnserializableError } from './errors';
import { FLAGS } from './flags';
import { deserializeRange } from './slice';
import type { SerializedText, SerializedValue, Serializer } from './types';

/** Options of `withCompression`. */
export interface CompressionOptions {
  /**
   * Compress a serialized value when its length is strictly greater than
   * this many bytes (python-memcached's `min_compress_len`). Default 0: never
   * compress, as python-memcached does unless told otherwise. Compressed
   * values are always read, whatever this is.
   */
  minCompressLength?: number;
  /** zlib level, -1 (zlib's default, 6, as Python's `zlib.compress`) to 9. Default -1. */
  level?: number;
  /**
   * Largest size a compressed value may inflate to, in bytes; more is treated
   * as a decompression bomb and fails with `ERR_UNSERIALIZABLE`. Default 64 MiB.
   */
  maxDecompressedLength?: number;
}

/** Default `maxDecompressedLength`: far above memcached's 1 MiB default item size, far below memory trouble. */
export const DEFAULT_MAX_DECOMPRESSED_LENGTH = 64 * 1024 * 1024;

/**
 * Wraps `inner` so that large values are stored zlib-compressed with flag 8
 * and flag-8 values are inflated before `inner` decodes them.
 *
 * Like python-memcached, a value is compressed only when it is longer than
 * `minCompressLength` and the compressed form is smaller, and integers
 * (flags 2 and 4) are never compressed. (pylibmc compresses at `>=` and
 * compresses integers too; such values are still read correctly.)
 * @throws MemkitError `ERR_INVALID_ARGUMENT` on out-of-range options.
 */
export function withCompression<T, R>(
  inner: Serializer<T, R>,
  options: CompressionOptions = {},
): Serializer<T, R> {
  const minCompressLength = checkInt('minCompressLength', options.minCompressLength ?? 0, 0);
  const level = checkInt('level', options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION, -1, 9);
  const maxOutputLength = checkInt(
    'maxDecompressedLength',
    options.maxDecompressedLength ?? DEFAULT_MAX_DECOMPRESSED_LENGTH,
    1,
    bufferConstants.MAX_LENGTH,
  );
  const skip = FLAGS.ZLIB | FLAGS.INTEGER | FLAGS.LONG;

  /** `plain`, or its compressed form when that is due and smaller. */
  const compress = <V extends SerializedValue | SerializedText>(plain: V): V | SerializedValue => {
    if (minCompressLength === 0 || plain.flags & skip) return plain;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: short text needs no encoding to tell.
    if ('text' in plain && plain.text.length * 3 <= minCompressLength) return plain;
    const bytes = 'text' in plain ? Buffer.from(plain.text, 'utf8') : (plain as SerializedValue).bytes;
    if (bytes.length <= minCompressLength) return plain;
    const packed = zlib.deflateSync(bytes, { level });
    if (packed.length >= bytes.length) return plain;
    return { bytes: packed, flags: (plain.flags | FLAGS.ZLIB) >>> 0 };
  };

  const wrapped: Serializer<T, R> = {
    serialize(value: T): SerializedValue {
      return compress(inner.serialize(value));
    },

    deserialize(bytes: Buffer, flags: number): R {
      if (!(flags & FLAGS.ZLIB)) return inner.deserialize(bytes, flags);
      let inflated: Buffer;
      try {
        inflated = zlib.inflateSync(bytes, { maxOutputLength });
      } catch (cause) {
        const bomb = (cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
        const why = bomb
          ? `inflates to more than maxDecompressedLength (${maxOutputLength} bytes)`
          : `is not a valid zlib stream (${(cause as Error).message})`;
        throw new UnserializableError(`value with flags ${flags} (zlib) ${why}`, bytes, flags, { cause });
      }
      try {
        return inner.deserialize(inflated, (flags & ~FLAGS.ZLIB) >>> 0);
      } catch (err) {
        // Report the value as stored, not the inflated intermediate.
        if (err instanceof UnserializableError) {
          throw new UnserializableError(err.message, bytes, flags, { cause: err });
        }
        throw err;
      }
    },

    deserializeSlice(buf: Buffer, start: number, end: number, flags: number): R {
      if (!(flags & FLAGS.ZLIB)) return deserializeRange(inner, buf, start, end, flags);
      return wrapped.deserialize(buf.subarray(start, end), flags);
    },
  };
  if (inner.serializeForWrite) {
    const forWrite = inner.serializeForWrite.bind(inner);
    wrapped.serializeForWrite = (value: T) => compress(forWrite(value));
  }
  return wrapped;
}

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `compression: ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}
