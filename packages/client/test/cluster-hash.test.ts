import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable, md5U32, oneAtATime } from '../src/cluster/hash';
import { MD5_ONE_BLOCK_MAX, md5U32OneBlock } from '../src/cluster/hash-md5';
import { cmemcacheHash } from '../src/cluster/modula';
import { hex, type KetamaVectors, loadVectors, type ModulaVectors } from './helpers/vectors';

const ketama = loadVectors<KetamaVectors>('ketama.json');
const modula = loadVectors<ModulaVectors>('modula-python-memcached.json');

/** one_at_a_time reading bytes as unsigned char: the mistake the vectors warn about. */
function oneAtATimeUnsigned(bytes: Uint8Array): number {
  let v = 0;
  for (const b of bytes) {
    v = (v + b) >>> 0;
    v = (v + (v << 10)) >>> 0;
    v = (v ^ (v >>> 6)) >>> 0;
  }
  v = (v + (v << 3)) >>> 0;
  v = (v ^ (v >>> 11)) >>> 0;
  return (v + (v << 15)) >>> 0;
}

describe('libhashkit hashes (ketama.json keys)', () => {
  it('has keys to check', () => {
    expect(ketama.keys.length).toBeGreaterThanOrEqual(100);
  });

  it('md5 LE uint32 matches for every key, as bytes and as a string', () => {
    for (const k of ketama.keys) {
      expect(md5U32(hex(k.hex)), `key ${JSON.stringify(k.text)}`).toBe(k.md5_u32);
      expect(md5U32(k.text), `key ${JSON.stringify(k.text)}`).toBe(k.md5_u32);
    }
  });

  it('one_at_a_time (signed char) matches for every key, as bytes and as a string', () => {
    for (const k of ketama.keys) {
      expect(oneAtATime(hex(k.hex)), `key ${JSON.stringify(k.text)}`).toBe(k.one_at_a_time_u32);
      expect(oneAtATime(k.text), `key ${JSON.stringify(k.text)}`).toBe(k.one_at_a_time_u32);
    }
  });

  it('sign extension is what makes the non-ASCII keys agree', () => {
    const affected = ketama.keys.filter((k) => oneAtATimeUnsigned(hex(k.hex)) !== k.one_at_a_time_u32);
    expect(affected.length).toBe(ketama.one_at_a_time_sign_extension_affected_keys);
    for (const k of affected) expect(hex(k.hex).some((b) => b >= 0x80)).toBe(true);
  });
});

describe('python-memcached hashes (modula-python-memcached.json keys)', () => {
  it('cmemcache_hash matches hash[] of every case', () => {
    for (const c of modula.cases) {
      expect(c.hash.length).toBe(modula.keys.length);
      modula.keys.forEach((k, i) => {
        expect(cmemcacheHash(hex(k.hex)), `case ${c.name} key ${JSON.stringify(k.text)}`).toBe(c.hash[i]);
        expect(cmemcacheHash(k.text), `case ${c.name} key ${JSON.stringify(k.text)}`).toBe(c.hash[i]);
      });
    }
  });

  it('crc32 (native and portable) matches the old server hash function', () => {
    const old = modula.old_server_hash_function;
    modula.keys.forEach((k, i) => {
      expect(crc32(hex(k.hex)), `key ${JSON.stringify(k.text)}`).toBe(old.hash[i]);
      expect(crc32Portable(hex(k.hex)), `key ${JSON.stringify(k.text)}`).toBe(old.hash[i]);
      expect(crc32Portable(k.text), `key ${JSON.stringify(k.text)}`).toBe(old.hash[i]);
    });
  });

  it('cmemcache_hash is never 0', () => {
    // crc32('') is 0, so its top bits are 0 too: python-memcached maps that to 1.
    expect(crc32('')).toBe(0);
    expect(cmemcacheHash('')).toBe(1);
  });
});

describe('one-block md5 fast path', () => {
  const reference = (data: string | Uint8Array) => createHash('md5').update(data).digest().readUInt32LE(0);

  it('agrees with node:crypto at every length around the one-block limit', () => {
    for (let n = 0; n <= 130; n++) {
      const text = 'k'.repeat(n);
      expect(md5U32(text), `length ${n}`).toBe(reference(text));
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(md5U32(bytes), `length ${n}`).toBe(reference(bytes));
      expect(md5U32OneBlock(text) >= 0, `length ${n}`).toBe(n <= MD5_ONE_BLOCK_MAX);
    }
  });

  it('agrees with node:crypto for any string or bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(md5U32(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(md5U32(bytes)).toBe(reference(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves non-ASCII strings to node:crypto (their UTF-8 length differs)', () => {
    expect(md5U32OneBlock('h\u00e9llo')).toBe(-1);
    expect(md5U32('h\u00e9llo')).toBe(reference('h\u00e9llo'));
  });
});
