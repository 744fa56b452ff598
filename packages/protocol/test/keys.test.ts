import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../src/errors';
import {
  decodeBase64Key,
  encodeBase64Key,
  isValidTextKey,
  joinValidKeys,
  MAX_KEY_LENGTH,
  validateKey,
} from '../src/keys';

/** The repository's reference vectors (scripts/vectors generates them). */
const VECTORS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/vectors/keys.json',
);

interface KeyVector {
  name: string;
  key_hex: string;
  byte_length: number;
  valid_text_protocol: boolean;
}
interface KeysFile {
  keys: KeyVector[];
  meta_base64_keys: {
    exchanges: Array<{ name: string; exchange: Array<{ sent: string; received: string }> }>;
  };
}

const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as KeysFile;

/** The key as a JS string. Non-UTF-8 bytes (0xff) become U+FFFD, itself a valid key character. */
function keyString(v: KeyVector): string {
  return Buffer.from(v.key_hex, 'hex').toString('utf8');
}

describe('isValidTextKey / validateKey against fixtures/vectors/keys.json', () => {
  it('has vectors to check', () => {
    expect(vectors.keys.length).toBeGreaterThanOrEqual(10);
  });
  for (const v of vectors.keys) {
    it(`${v.name}: valid_text_protocol = ${v.valid_text_protocol}`, () => {
      const key = keyString(v);
      expect(isValidTextKey(key)).toBe(v.valid_text_protocol);
      if (v.valid_text_protocol) expect(() => validateKey(key)).not.toThrow();
      else expect(() => validateKey(key)).toThrow(KeyError);
    });
  }
});

/** What joinValidKeys must do: validateKey on each key in order, then join. */
function reference(keys: readonly string[]): { joined: string } | { error: string } {
  try {
    for (const k of keys) validateKey(k);
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { joined: keys.join(' ') };
}

function actual(keys: readonly string[]): { joined: string } | { error: string } {
  try {
    return { joined: joinValidKeys(keys) };
  } catch (e) {
    expect(e).toBeInstanceOf(KeyError);
    return { error: (e as Error).message };
  }
}

describe('joinValidKeys (the multi-key get fast path)', () => {
  it('agrees with validateKey on every vector key, alone and among valid keys', () => {
    for (const v of vectors.keys) {
      const key = keyString(v);
      for (const keys of [[key], ['a', key, 'b'], [key, 'x'.repeat(250)]]) {
        expect(actual(keys)).toStrictEqual(reference(keys));
      }
    }
  });

  it('agrees with validateKey (result or first error) on random key lists', () => {
    const char = fc.oneof(
      fc.constantFrom(
        ' ',
        '\t',
        '\r',
        '\n',
        '\x00',
        '\x7f',
        '\x1f',
        'é',
        '✓',
        '\ud83d',
        '\u{1F600}',
        '\uFFFD',
      ),
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    );
    const key = fc.oneof(
      fc.string({ unit: char, maxLength: 12 }),
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: 1,
      }),
      fc.integer({ min: 240, max: 260 }).map((n) => 'k'.repeat(n)),
      fc.integer({ min: 120, max: 130 }).map((n) => 'é'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 20 }), (keys) => {
        expect(actual(keys)).toStrictEqual(reference(keys));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects non-strings like validateKey', () => {
    expect(() => joinValidKeys(['a', 5 as unknown as string])).toThrow(/must be a string/);
  });
});

describe('validateKey messages', () => {
  const code = (fn: () => void): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(KeyError);
      expect((err as KeyError).code).toBe('ERR_KEY_INVALID');
      return (err as Error).message;
    }
    throw new Error('expected a KeyError');
  };

  it('says empty', () => {
    expect(code(() => validateKey(''))).toMatch(/empty/);
  });
  it('says how many bytes, counting UTF-8 bytes', () => {
    expect(code(() => validateKey('é'.repeat(126)))).toMatch(/252 bytes > 250/);
    expect(code(() => validateKey('k'.repeat(251)))).toMatch(/251 bytes > 250/);
  });
  it('says where the whitespace or control character is, escaped and truncated', () => {
    const msg = code(() => validateKey(`foo\r\nset x 0 0 1${'y'.repeat(300)}`));
    expect(msg).toMatch(/index 3/);
    expect(msg).not.toMatch(/[\r\n]/);
    expect(msg).toContain('\\r\\n');
    expect(msg.length).toBeLessThan(200);
    expect(code(() => validateKey('a\x7fb'))).toContain('\\u007f');
    expect(code(() => validateKey('a b'))).toMatch(/index 1/);
  });
  it('rejects non-strings', () => {
    expect(code(() => validateKey(42 as unknown as string))).toMatch(/string/);
  });
  it('accepts 250 bytes exactly', () => {
    expect(MAX_KEY_LENGTH).toBe(250);
    expect(() => validateKey('k'.repeat(250))).not.toThrow();
    expect(isValidTextKey('é'.repeat(125))).toBe(true);
    expect(isValidTextKey('😀'.repeat(62))).toBe(true); // 248 bytes in 124 UTF-16 units
    expect(isValidTextKey('😀'.repeat(63))).toBe(false); // 252 bytes
  });
});

describe('base64 keys (meta b flag)', () => {
  const sent = (name: string): string => {
    const ex = vectors.meta_base64_keys.exchanges.find((e) => e.name === name);
    if (ex === undefined) throw new Error(`vector ${name} missing`);
    return ex.exchange[0]!.sent.split(' ')[1]!;
  };

  it('186 raw bytes fit (the server accepted them), 187 do not (the server refused them)', () => {
    const okToken = sent('base64_length_limit_ok');
    const tooLong = sent('base64_length_limit_exceeded');
    const okRaw = decodeBase64Key(okToken);
    const tooLongRaw = decodeBase64Key(tooLong);
    expect(okRaw.length).toBe(186);
    expect(tooLongRaw.length).toBe(187);
    expect(encodeBase64Key(okRaw)).toBe(okToken);
    expect(() => encodeBase64Key(tooLongRaw)).toThrow(KeyError);
  });

  it('round-trips binary keys from the vectors', () => {
    const token = sent('binary_key_roundtrip');
    const raw = decodeBase64Key(token);
    expect(raw.toString('latin1')).toBe('hello world\r\n');
    expect(encodeBase64Key(raw)).toBe(token);
    expect(encodeBase64Key('hello world\r\n')).toBe(token);
    expect(isValidTextKey(token)).toBe(true);
  });

  it('rejects empty keys and non-base64 tokens', () => {
    expect(() => encodeBase64Key('')).toThrow(KeyError);
    expect(() => encodeBase64Key(new Uint8Array(0))).toThrow(KeyError);
    expect(() => decodeBase64Key('not*base64')).toThrow(KeyError);
    expect(() => decodeBase64Key('abc')).toThrow(KeyError);
  });

  it('encodes a Uint8Array view without reading outside it', () => {
    const backing = Buffer.from('xxabcxx');
    expect(encodeBase64Key(backing.subarray(2, 5))).toBe(Buffer.from('abc').toString('base64'));
  });
});
