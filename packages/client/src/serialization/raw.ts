/**
 * The pass-through serializer behind the client's raw mode: bytes and flags
 * go to the server untouched and come back untouched, for callers that speak
 * another client's encoding themselves.
 */
import { MemkitError } from '@memkit/protocol';
import { MAX_FLAGS } from './flags';
import type { SerializedValue, Serializer } from './types';

/** A value as read in raw mode: the stored bytes and flags. */
export interface RawValue {
  /** The stored bytes, as received. */
  value: Buffer;
  /** The item's client flags. */
  flags: number;
}

/** Serializes `{ bytes, flags }` as given; deserializes to `{ value, flags }` without decoding. */
export const rawSerializer: Serializer<SerializedValue, RawValue> = {
  serialize(value: SerializedValue): SerializedValue {
    if (value === null || typeof value !== 'object' || !(value.bytes instanceof Uint8Array)) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        'raw serializer: expected { bytes: Uint8Array, flags: number }',
      );
    }
    if (!Number.isInteger(value.flags) || value.flags < 0 || value.flags > MAX_FLAGS) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `raw serializer: flags must be an integer from 0 to ${MAX_FLAGS}, got ${value.flags}`,
      );
    }
    return value;
  },
  deserialize(bytes: Buffer, flags: number): RawValue {
    return { value: bytes, flags };
  },
};
