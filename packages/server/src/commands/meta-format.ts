/**
 * Small formatting helpers shared by the meta command handlers: the `k`
 * return flag (base64 for binary keys), remaining TTL, and URL-encoding of
 * keys for `lru_crawler metadump`.
 */
import { Buffer } from 'node:buffer';

/** The ` k<key>` return flag; binary keys come back base64-encoded followed by ` b`. */
export function metaKey(key: string, binary: boolean): string {
  if (!binary) return ` k${key}`;
  return ` k${Buffer.from(key, 'latin1').toString('base64')} b`;
}

/** A key as `me`/`mg` print it: base64 when it was stored binary. */
export function printableKey(key: string, binary: boolean): string {
  return binary ? Buffer.from(key, 'latin1').toString('base64') : key;
}

/** Remaining TTL as the `t` flag reports it: -1 for none. */
export function remainingTtl(exptime: number, now: number): number {
  return exptime === 0 ? -1 : exptime - now;
}

/** memcached's `uriencode`: every byte but `[A-Za-z0-9._~-]` as `%XX`. */
export function uriEncode(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const unreserved =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x7e;
    out += unreserved ? key[i] : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
