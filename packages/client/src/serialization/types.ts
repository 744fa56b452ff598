/**
 * The serializer contract: values are bytes + flags on the
 * wire, and a `Serializer` converts between the two above the protocol, like
 * pymemcache's serde. Compression is a wrapper (`withCompression`), not a
 * branch in the commands.
 */

/** What goes on the wire for one value: the data block and the 32-bit client flags. */
export interface SerializedValue {
  /** The bytes to store. */
  bytes: Uint8Array;
  /** The client flags to store with them (32-bit unsigned). */
  flags: number;
}

/**
 * A value to be written as text: `text` encoded as UTF-8 is the data block.
 * What `Serializer.serializeForWrite` may return instead of bytes.
 */
export interface SerializedText {
  /** The data block, written as UTF-8 (it must not contain a lone surrogate). */
  text: string;
  /** The client flags to store with it (32-bit unsigned). */
  flags: number;
}

/**
 * Turns values into bytes + flags and back. `R` is what `deserialize`
 * returns; it is `T` for every serializer except the raw one, which takes
 * `{ bytes, flags }` and gives back `{ value, flags }`.
 */
export interface Serializer<T = unknown, R = T> {
  /** Encodes a value; throws `MemkitError` `ERR_INVALID_ARGUMENT` for a value it cannot store. */
  serialize(value: T): SerializedValue;
  /**
   * Optional fast path of `serialize` for the client's own writes: the same
   * data block and flags (errors included), but a value that is text may
   * come back as `{ text, flags }`. The client then writes the string
   * (as UTF-8) instead of a buffer made for it, which for large values saves
   * an allocation the garbage collector would have to track.
   */
  serializeForWrite?(value: T): SerializedValue | SerializedText;
  /** Decodes a stored value; throws `UnserializableError` (`ERR_UNSERIALIZABLE`) when it cannot. */
  deserialize(bytes: Buffer, flags: number): R;
  /**
   * Optional fast path: decodes the value stored in `buf[start, end)` in
   * place and returns exactly what `deserialize(buf.subarray(start, end),
   * flags)` would (errors included). The client uses it for multi-get
   * replies, where it saves a Buffer view per value; without it the client
   * calls `deserialize`.
   */
  deserializeSlice?(buf: Buffer, start: number, end: number, flags: number): R;
}
