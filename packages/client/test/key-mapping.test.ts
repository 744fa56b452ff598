/**
 * `mapKey`, the pure key mapping of `keyMapping: 'auto'` and the adapters:
 * table tests of each form and its limits, and properties over arbitrary
 * strings (every output is a key memcached accepts, the mapping is
 * deterministic, and distinct strings never map to the same key).
 */
import { createHash } from 'node:crypto';
import { isValidTextKey } from '@memkit/protocol';
import { anyKey as anyKeyArbitrary } from '@memkit/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_MARKER, MAX_BINARY_KEY_BYTES, type MappedKey, mapKey } from '../src/index';

const sha = (input: Buffer) => createHash('sha256').update(input).digest('base64url');
const storedBytes = (m: MappedKey) =>
  typeof m.route === 'string' ? Buffer.from(m.route, 'utf8') : Buffer.from(m.route);

/** The identity of the item a mapped key names: form of transport aside, the bytes memcached stores. */
const identity = (m: MappedKey) => storedBytes(m).toString('hex');

function expectSendable(m: MappedKey): void {
  if (m.base64) {
    expect(m.wire).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(m.wire.length).toBeLessThanOrEqual(250);
    expect(Buffer.from(m.wire, 'base64').equals(storedBytes(m))).toBe(true);
  } else {
    expect(isValidTextKey(m.wire)).toBe(true);
    expect(m.route).toBe(m.wire);
  }
}

describe('mapKey: the three forms', () => {
  it('keeps a valid text key exactly as it is, prefix included', () => {
    expect(mapKey('user:1')).toEqual({ form: 'text', wire: 'user:1', base64: false, route: 'user:1' });
    expect(mapKey('ünïcødé', { prefix: 'app:' }).wire).toBe('app:ünïcødé');
    expect(mapKey('k'.repeat(246), { prefix: 'app:' })).toMatchObject({ form: 'text' });
    expect(mapKey('nel\u0085key').form).toBe('text'); // C2 85 in UTF-8: no control byte
  });

  it('sends a key with bytes the text protocol cannot carry as a binary key when it fits 186 bytes', () => {
    for (const key of [
      'with space',
      'tab\tkey',
      'crlf\r\nset x 0 0 1',
      'emoji 🎉 key',
      'del\u007f',
      'nul\0',
    ]) {
      const m = mapKey(key, { prefix: 'ns:' });
      expect(m.form).toBe('binary');
      expect(m.base64).toBe(true);
      expect(Buffer.from(m.wire, 'base64').toString('utf8')).toBe(`ns:${key}`);
      expectSendable(m);
    }
    const longest = `${' '.repeat(MAX_BINARY_KEY_BYTES - 3)}`;
    expect(mapKey(longest, { prefix: 'ns:' }).form).toBe('binary');
    expect(mapKey(`${longest} `, { prefix: 'ns:' }).form).toBe('digest');
  });

  it('with binaryKeys: false (text protocol) those keys take the digest form', () => {
    const m = mapKey('with space', { prefix: 'ns:', binaryKeys: false });
    expect(m).toEqual({
      form: 'digest',
      wire: `ns:${DIGEST_MARKER}${sha(Buffer.from('ns:with space'))}`,
      base64: false,
      route: `ns:${DIGEST_MARKER}${sha(Buffer.from('ns:with space'))}`,
    });
  });

  it('maps a key over 250 bytes (prefix included) to the SHA-256 of the full key under the prefix', () => {
    const key = `/search?q=${'x'.repeat(990)}`;
    const m = mapKey(key, { prefix: 'cache:' });
    expect(m.form).toBe('digest');
    expect(m.wire).toBe(`cache:${DIGEST_MARKER}${sha(Buffer.from(`cache:${key}`))}`);
    expect(m.wire.length).toBe('cache:'.length + DIGEST_MARKER.length + 43);
    // 245 bytes fit alone, but not behind a 6-byte prefix.
    expect(mapKey('k'.repeat(245)).form).toBe('text');
    expect(mapKey('k'.repeat(245), { prefix: 'cache:' }).form).toBe('digest');
  });

  it('maps the empty key to the digest form (memcached has no empty key)', () => {
    expect(mapKey('').wire).toBe(`${DIGEST_MARKER}${sha(Buffer.alloc(0))}`);
    expect(mapKey('', { prefix: 'p:' }).form).toBe('text'); // 'p:' is a key
  });

  it('hashes a key that starts with the marker, so no key can pose as another key’s digest', () => {
    const long = 'L'.repeat(300);
    const digest = mapKey(long);
    expect(digest.form).toBe('digest');
    const impostor = mapKey(digest.wire);
    expect(impostor.form).toBe('digest');
    expect(impostor.wire).not.toBe(digest.wire);
  });

  it('hashes strings with lone surrogates over their UTF-16 code units (UTF-8 would merge them with U+FFFD)', () => {
    const lone = mapKey('a\uD800');
    const replacement = mapKey('a\uFFFD');
    expect(replacement.form).toBe('text');
    expect(lone.form).toBe('digest');
    expect(lone.wire).toBe(`${DIGEST_MARKER}${sha(Buffer.from('a\uD800', 'utf16le'))}`);
    expect(identity(lone)).not.toBe(identity(replacement));
  });

  it('falls back to a binary digest when the prefix itself cannot be a text key', () => {
    const m = mapKey('x'.repeat(300), { prefix: 'my ns:' });
    expect(m).toMatchObject({ form: 'digest', base64: true });
    expect(Buffer.from(m.wire, 'base64').toString()).toMatch(/^my ns:#sha256:[A-Za-z0-9_-]{43}$/);
  });

  it('rejects a prefix that leaves no room for the digest form with ERR_KEY_INVALID', () => {
    expect(() => mapKey('x'.repeat(300), { prefix: 'p'.repeat(200) })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
    );
    expect(() => mapKey('a b', { prefix: 'my ns:', binaryKeys: false })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
    );
    expect(() => mapKey(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
    );
  });
});

const anyKey = anyKeyArbitrary();
const anyPrefix = fc.constantFrom('', 'app:', 'keyv:lq3x9a1:', 'a'.repeat(150));

describe('mapKey: properties', () => {
  it('every output is sendable: a valid text key, or base64 of at most 186 raw bytes', () => {
    fc.assert(
      fc.property(anyKey, anyPrefix, fc.boolean(), (key, prefix, binaryKeys) => {
        const m = mapKey(key, { prefix, binaryKeys });
        expectSendable(m);
        if (!binaryKeys) expect(m.base64).toBe(false);
        if (m.form === 'binary') expect(storedBytes(m).length).toBeLessThanOrEqual(MAX_BINARY_KEY_BYTES);
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic and keeps valid keys (not starting with the marker) exactly', () => {
    fc.assert(
      fc.property(anyKey, anyPrefix, (key, prefix) => {
        expect(mapKey(key, { prefix })).toEqual(mapKey(key, { prefix }));
        const full = prefix + key;
        if (isValidTextKey(full) && !key.startsWith(DIGEST_MARKER) && !/[\uD800-\uDFFF]/.test(full)) {
          expect(mapKey(key, { prefix }).wire).toBe(full);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('distinct keys under one prefix never name the same item', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyKey, { minLength: 2, maxLength: 40 }),
        anyPrefix,
        fc.boolean(),
        (keys, prefix, binaryKeys) => {
          const ids = keys.map((k) => identity(mapKey(k, { prefix, binaryKeys })));
          expect(new Set(ids).size).toBe(keys.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a digest-looking key never names the item of the key whose digest it looks like', () => {
    fc.assert(
      fc.property(anyKey, anyPrefix, (key, prefix) => {
        const m = mapKey(key, { prefix });
        if (m.form !== 'digest' || m.base64) return;
        const posing = (m.wire as string).slice(prefix.length);
        expect(identity(mapKey(posing, { prefix }))).not.toBe(identity(m));
      }),
      { numRuns: 1000 },
    );
  });
});
