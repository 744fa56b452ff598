/**
 * The error a stored value raises when it cannot be turned into a JS value:
 * a Python pickle, unknown flag bits, corrupt compressed data, text that is
 * not UTF-8, an integer that is not a number, JSON that does not parse.
 */
import { brandErrorClass, MemkitError, type MemkitErrorOptions } from '@memkit/protocol';

/**
 * A stored value could not be deserialized. `raw` and `flags` are the value
 * exactly as the server holds it (before any decompression), so the caller
 * can read it another way, hand it to a Python process, or store it back.
 */
export class UnserializableError extends MemkitError {
  static {
    // `instanceof` across the ESM and CJS builds, like MemkitError itself.
    brandErrorClass(UnserializableError, 'memkit.error.UnserializableError');
  }

  /** The class name, `UnserializableError`. */
  override name = 'UnserializableError';
  /** The stored bytes, as received. */
  readonly raw: Buffer;
  /** The stored client flags. */
  readonly flags: number;

  constructor(message: string, raw: Buffer, flags: number, options: MemkitErrorOptions = {}) {
    super('ERR_UNSERIALIZABLE', message, options);
    this.raw = raw;
    this.flags = flags;
  }
}
