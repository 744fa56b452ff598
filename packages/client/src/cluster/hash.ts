/**
 * The key hash functions that other memcached clients place keys with, bit
 * for bit: md5 (libketama / libmemcached), libhashkit's `one_at_a_time`, and
 * crc32 (python-memcached). Every function takes a string key (hashed as its
 * UTF-8 bytes, as the clients do) or raw bytes, and returns an unsigned
 * 32-bit integer.
 */
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import { md5U32OneBlock } from './hash-md5';

/** A key as locators receive it: a string (hashed as UTF-8) or raw bytes. */
export type KeyInput = string | Uint8Array;

type OneShotHash = (algorithm: string, data: KeyInput, outputEncoding: 'buffer') => Buffer;

// crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object per
// call: about twice as fast as createHash for short keys. Older 20.x lacks it.
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The 16-byte md5 digest of `data`. */
export function md5(data: KeyInput): Buffer {
  if (oneShot !== undefined) return oneShot('md5', data, 'buffer');
  return crypto.createHash('md5').update(data).digest();
}

/**
 * md5 as libmemcached hashes keys (`HASHKIT_MD5`) and libketama points: the
 * little-endian uint32 at digest bytes 0-3.
 */
export function md5U32(data: KeyInput): number {
  const fast = md5U32OneBlock(data);
  return fast >= 0 ? fast : md5(data).readUInt32LE(0);
}

/**
 * libhashkit's Jenkins one-at-a-time hash (libmemcached's default key hash).
 * libhashkit reads the key as C `char`, which is signed on x86 and ARM Linux
 * builds, so bytes >= 0x80 are sign-extended before they are added; hashing
 * them as unsigned would send a different server about half of the non-ASCII
 * keys.
 */
export function oneAtATime(data: KeyInput): number {
  if (typeof data === 'string') {
    // ASCII keys (the common case) are hashed straight from the string, with
    // no UTF-8 buffer per lookup.
    let value = 0;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c >= 0x80) return oneAtATimeBytes(Buffer.from(data, 'utf8'));
      value = (value + c) >>> 0;
      value = (value + (value << 10)) >>> 0;
      value = (value ^ (value >>> 6)) >>> 0;
    }
    return finishOneAtATime(value);
  }
  return oneAtATimeBytes(data);
}

function oneAtATimeBytes(bytes: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    value = (value + (b >= 0x80 ? (b | 0xffffff00) >>> 0 : b)) >>> 0;
    value = (value + (value << 10)) >>> 0;
    value = (value ^ (value >>> 6)) >>> 0;
  }
  return finishOneAtATime(value);
}

function finishOneAtATime(v: number): number {
  let value = v;
  value = (value + (value << 3)) >>> 0;
  value = (value ^ (value >>> 11)) >>> 0;
  value = (value + (value << 15)) >>> 0;
  return value;
}

type Crc32Fn = (data: KeyInput, value?: number) => number;

// zlib.crc32 arrived in Node 20.15 / 22.2; `engines` allows any Node 20.
const nativeCrc32: Crc32Fn | undefined = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

let crcTable: Uint32Array | undefined;

function table(): Uint32Array {
  if (crcTable !== undefined) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/**
 * Table-driven CRC-32 (IEEE 802.3, as zlib and Python's `binascii.crc32`).
 * Used only where `zlib.crc32` is missing; exported so tests can prove it
 * agrees with the native one.
 * @internal
 */
export function crc32Portable(data: KeyInput): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const t = table();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of the key's bytes, unsigned (zlib's / Python's `binascii.crc32`). */
export const crc32: (data: KeyInput) => number =
  nativeCrc32 === undefined ? crc32Portable : (data) => nativeCrc32(data) >>> 0;
