import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMetaGet, encodeMetaGetBatch, MemkitError } from '../src/index';

describe('encodeMetaGetBatch', () => {
  it('equals one encodeMetaGet per key with consecutive decimal opaques', () => {
    const keys = ['a', 'user:1', 'ключ', 'Zm9v'];
    const b64 = [false, false, false, true];
    const o = { value: true, flags: true, quiet: true } as const;
    const expected = keys
      .map((k, i) => encodeMetaGet(k, { ...o, opaque: String(41 + i), base64: b64[i] }))
      .join('');
    expect(encodeMetaGetBatch(keys, o, 41, b64)).toBe(expected);
    expect(encodeMetaGetBatch(['k'], { value: true, cas: true, touch: 30 }, 0)).toBe('mg k T30 v c O0\r\n');
    expect(encodeMetaGetBatch([], o, 5)).toBe('');
  });

  it('validates every key and the opaque base', () => {
    for (const bad of ['', 'a b', 'x\r\nflush_all', 'x'.repeat(251)]) {
      expect(() => encodeMetaGetBatch(['ok', bad], { value: true }, 1)).toThrow(
        expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
      );
    }
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => encodeMetaGetBatch(['ok'], {}, bad)).toThrow(MemkitError);
    }
  });

  it('property: same bytes as the single encoder for any valid keys', () => {
    const key = fc.stringMatching(/^[!-~]{1,40}$/);
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 20 }),
        fc.nat({ max: 2 ** 31 }),
        fc.boolean(),
        (keys, first, quiet) => {
          const o = { value: true, flags: true, quiet };
          const single = keys.map((k, i) => encodeMetaGet(k, { ...o, opaque: String(first + i) })).join('');
          expect(encodeMetaGetBatch(keys, o, first)).toBe(single);
        },
      ),
    );
  });
});
