/**
 * Turns a user key into its wire form: prefix applied, validated before
 * anything is sent, so that a bad key fails alone instead of desyncing the
 * connection it would have been written to. String keys must be valid text keys
 * (1-250 UTF-8 bytes, no whitespace or control characters) in both
 * protocols, so they name the same items python-memcached and pylibmc use.
 * Binary keys (`Uint8Array`) become base64 tokens for the meta `b` flag;
 * whether a server's dialect can write them is the dialect's check.
 */
import { encodeBase64Key, KeyError, validateKey } from '@memkit/protocol';

/** A key ready for the wire. */
export interface WireKey {
  /** The key token as written (base64 when `base64`). */
  wire: string;
  base64: boolean;
  /** What cluster hashing sees: the full key (string) or its bytes. */
  route: string | Uint8Array;
}

/**
 * Builds the wire key for `key` with `prefix`. Throws `KeyError`
 * (ERR_KEY_INVALID) for binary keys that do not fit. String keys are
 * validated by the protocol encoders every command goes through (before
 * anything of the command is queued), so they are not scanned twice here;
 * pass `validate` where no encoder follows.
 */
export function toWireKey(key: string | Uint8Array, prefix: string, validate = false): WireKey {
  if (typeof key === 'string') {
    const full = prefix === '' ? key : prefix + key;
    if (validate) validateKey(full);
    return { wire: full, base64: false, route: full };
  }
  if (!(key instanceof Uint8Array)) {
    throw new KeyError(`a key must be a string or a Uint8Array, got ${typeof key}`);
  }
  const bytes = prefix === '' ? key : Buffer.concat([Buffer.from(prefix, 'utf8'), key]);
  return { wire: encodeBase64Key(bytes), base64: true, route: bytes };
}
