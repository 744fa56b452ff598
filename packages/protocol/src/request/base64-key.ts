/**
 * Decoding of base64 keys (meta `b` flag) with memcached's leniency rules:
 * characters outside the alphabet are skipped, the remaining count must be a
 * non-zero multiple of four, decoding stops after the first padded block,
 * and more than two `=` in a block is an error. Node's own base64 decoder
 * accepts different inputs, so it cannot be used to predict memcached's
 * `CLIENT_ERROR error decoding key`.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const INVALID = 0x80;

const TABLE: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(INVALID);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  t[0x3d] = 0; // '=' decodes as zero bits; padding is tracked separately.
  return t;
})();

/**
 * Decodes a latin1 key string; returns the decoded bytes as a latin1 string,
 * or `undefined` where memcached's decoder returns 0 (failure or empty).
 */
export function decodeMemcachedBase64Key(encoded: string): string | undefined {
  let count = 0;
  for (let i = 0; i < encoded.length; i++) {
    if (TABLE[encoded.charCodeAt(i) & 0xff] !== INVALID) count++;
  }
  if (count === 0 || count % 4 !== 0) return undefined;

  const out: number[] = [];
  const block = [0, 0, 0, 0];
  let filled = 0;
  let pad = 0;
  for (let i = 0; i < encoded.length; i++) {
    const code = encoded.charCodeAt(i) & 0xff;
    const v = TABLE[code]!;
    if (v === INVALID) continue;
    if (code === 0x3d) pad++;
    block[filled++] = v;
    if (filled < 4) continue;
    out.push(
      ((block[0]! << 2) | (block[1]! >> 4)) & 0xff,
      ((block[1]! << 4) | (block[2]! >> 2)) & 0xff,
      ((block[2]! << 6) | block[3]!) & 0xff,
    );
    filled = 0;
    if (pad > 0) {
      if (pad > 2) return undefined;
      out.length -= pad;
      break;
    }
  }
  if (out.length === 0) return undefined;
  return String.fromCharCode(...out);
}
