/**
 * Test helper for split-chunk tests: cuts bytes where a socket might have cut them.
 */

/**
 * Cuts `bytes` at `offsets`, each taken modulo `bytes.length + 1`: a cut may fall at either end
 * and give an empty chunk, which a decoder must take like any other. Repeated offsets cut once.
 */
export function cutAt<T extends Uint8Array>(bytes: T, offsets: readonly number[]): T[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: T[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(bytes.subarray(prev, p) as T);
    prev = p;
  }
  parts.push(bytes.subarray(prev) as T);
  return parts;
}
