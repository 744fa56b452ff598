/**
 * The md5 key hash on the ketama lookup path, computed without a native
 * call for keys of up to 55 UTF-8 bytes (one md5 block, nearly every real
 * key). node:crypto costs about 1.1 µs a key here, mostly call overhead,
 * against about 0.15 µs for this; longer keys still go to node:crypto.
 * Only the first digest word is computed, which is all libmemcached uses.
 * Checked against node:crypto by property tests and against the vectors.
 */

// Per-round constants: floor(abs(sin(i + 1)) * 2^32), as int32.
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

// Message word used by round i: i, 5i+1, 3i+5, 7i (mod 16) in the four rounds.
const WORD = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  const round = i >> 4;
  WORD[i] = (round === 0 ? i : round === 1 ? 5 * i + 1 : round === 2 ? 3 * i + 5 : 7 * i) & 15;
}

const SHIFT = new Uint8Array(64);
for (let i = 0; i < 64; i++) SHIFT[i] = SHIFTS[(i >> 4) * 4 + (i & 3)]!;

/** Longest input that fits one padded block. */
export const MD5_ONE_BLOCK_MAX = 55;

// One scratch block, reused: locate() is synchronous, so no call can interleave.
const block = new Uint8Array(64);
const words = new Int32Array(16);

function fill(length: number): void {
  block[length] = 0x80;
  block.fill(0, length + 1, 56);
  const bits = length * 8;
  block[56] = bits & 0xff;
  block[57] = bits >>> 8;
  block.fill(0, 58, 64);
  for (let w = 0; w < 16; w++) {
    const o = w * 4;
    words[w] = block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24);
  }
}

/** Loads an ASCII string into the block; -1 when it is not ASCII or too long. */
function loadAscii(text: string): number {
  const n = text.length;
  if (n > MD5_ONE_BLOCK_MAX) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return -1;
    block[i] = c;
  }
  return n;
}

/** Loads bytes into the block; -1 when they do not fit one block. */
function loadBytes(bytes: Uint8Array): number {
  if (bytes.length > MD5_ONE_BLOCK_MAX) return -1;
  block.set(bytes);
  return bytes.length;
}

/** First digest word (LE uint32 of digest bytes 0-3) of the message in `words`. */
function firstWord(): number {
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  let t = 0;
  // One loop per round keeps the boolean function out of a per-step branch.
  for (let i = 0; i < 16; i++) {
    const x = (a + ((b & c) | (~b & d)) + K[i]! + words[i]!) | 0;
    t = d;
    d = c;
    c = b;
    b = (b + ((x << SHIFT[i]!) | (x >>> (32 - SHIFT[i]!)))) | 0;
    a = t;
  }
  for (let i = 16; i < 32; i++) {
    const x = (a + ((d & b) | (~d & c)) + K[i]! + words[WORD[i]!]!) | 0;
    t = d;
    d = c;
    c = b;
    b = (b + ((x << SHIFT[i]!) | (x >>> (32 - SHIFT[i]!)))) | 0;
    a = t;
  }
  for (let i = 32; i < 48; i++) {
    const x = (a + (b ^ c ^ d) + K[i]! + words[WORD[i]!]!) | 0;
    t = d;
    d = c;
    c = b;
    b = (b + ((x << SHIFT[i]!) | (x >>> (32 - SHIFT[i]!)))) | 0;
    a = t;
  }
  for (let i = 48; i < 64; i++) {
    const x = (a + (c ^ (b | ~d)) + K[i]! + words[WORD[i]!]!) | 0;
    t = d;
    d = c;
    c = b;
    b = (b + ((x << SHIFT[i]!) | (x >>> (32 - SHIFT[i]!)))) | 0;
    a = t;
  }
  return (0x67452301 + a) >>> 0;
}

/**
 * md5 LE uint32 of digest bytes 0-3 for a key that fits one block (a string
 * whose UTF-8 form is at most 55 bytes, tried for ASCII strings only), or -1
 * when the caller must hash it another way.
 */
export function md5U32OneBlock(key: string | Uint8Array): number {
  const length = typeof key === 'string' ? loadAscii(key) : loadBytes(key);
  if (length < 0) return -1;
  fill(length);
  return firstWord();
}
