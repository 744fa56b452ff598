import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  encodeMetaArithmetic,
  encodeMetaDebug,
  encodeMetaDelete,
  encodeMetaGet,
  encodeMetaNoop,
  encodeMetaSet,
} from '../src/encode-meta';
import {
  encodeCas,
  encodeDelete,
  encodeFlushAll,
  encodeGat,
  encodeGet,
  encodeIncrDecr,
  encodeMetadump,
  encodeQuit,
  encodeStats,
  encodeStore,
  encodeTouch,
  encodeVerbosity,
  encodeVersion,
} from '../src/encode-text';
import { isMemkitError, type MemkitErrorCode } from '../src/errors';
import { MAX_OPAQUE_LENGTH } from '../src/limits';

const v = Buffer.from('hello');

function codeOf(fn: () => unknown): MemkitErrorCode {
  try {
    fn();
  } catch (err) {
    if (isMemkitError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a MemkitError');
}

describe('text encoders', () => {
  it('storage commands', () => {
    expect(encodeStore('set', 'k', v, 0, 0)).toStrictEqual(['set k 0 0 5\r\n', v, '\r\n']);
    expect(encodeStore('add', 'k', v, 4294967295, -1, true)).toStrictEqual([
      'add k 4294967295 -1 5 noreply\r\n',
      v,
      '\r\n',
    ]);
    for (const cmd of ['replace', 'append', 'prepend'] as const) {
      expect(encodeStore(cmd, 'k', v, 1, 2)[0]).toBe(`${cmd} k 1 2 5\r\n`);
    }
    expect(encodeStore('set', 'k', new Uint8Array(0), 0, 0)[0]).toBe('set k 0 0 0\r\n');
    expect(encodeCas('k', v, 3, 60, 18446744073709551615n)).toStrictEqual([
      'cas k 3 60 5 18446744073709551615\r\n',
      v,
      '\r\n',
    ]);
    expect(encodeCas('k', v, 0, 0, 1n, true)[0]).toBe('cas k 0 0 5 1 noreply\r\n');
  });

  it('retrieval and other keyed commands', () => {
    expect(encodeGet('get', ['a'])).toBe('get a\r\n');
    expect(encodeGet('gets', ['a', 'b', 'c'])).toBe('gets a b c\r\n');
    expect(encodeGat('gat', 100, ['a', 'b'])).toBe('gat 100 a b\r\n');
    expect(encodeGat('gats', 0, ['a'])).toBe('gats 0 a\r\n');
    expect(encodeDelete('k')).toBe('delete k\r\n');
    expect(encodeDelete('k', true)).toBe('delete k noreply\r\n');
    expect(encodeIncrDecr('incr', 'n', 5)).toBe('incr n 5\r\n');
    expect(encodeIncrDecr('decr', 'n', 18446744073709551615n, true)).toBe(
      'decr n 18446744073709551615 noreply\r\n',
    );
    expect(encodeTouch('k', 10)).toBe('touch k 10\r\n');
    expect(encodeTouch('k', 10, true)).toBe('touch k 10 noreply\r\n');
  });

  it('server commands', () => {
    expect(encodeStats()).toBe('stats\r\n');
    expect(encodeStats('settings')).toBe('stats settings\r\n');
    expect(encodeFlushAll()).toBe('flush_all\r\n');
    expect(encodeFlushAll(10)).toBe('flush_all 10\r\n');
    expect(encodeFlushAll(undefined, true)).toBe('flush_all noreply\r\n');
    expect(encodeVersion()).toBe('version\r\n');
    expect(encodeVerbosity(1)).toBe('verbosity 1\r\n');
    expect(encodeVerbosity(0, true)).toBe('verbosity 0 noreply\r\n');
    expect(encodeQuit()).toBe('quit\r\n');
    expect(encodeMetadump()).toBe('lru_crawler metadump all\r\n');
    expect(encodeMetadump('hash')).toBe('lru_crawler metadump hash\r\n');
    expect(() => encodeMetadump('1 2' as 'all')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('rejects bad keys with ERR_KEY_INVALID', () => {
    expect(codeOf(() => encodeGet('get', ['ok', 'a b']))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => encodeStore('set', 'k\r\nflush_all', v, 0, 0))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => encodeDelete(''))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => encodeTouch('x'.repeat(251), 1))).toBe('ERR_KEY_INVALID');
  });

  it('rejects bad numbers and arguments with ERR_INVALID_ARGUMENT', () => {
    const bad: Array<() => unknown> = [
      () => encodeStore('set', 'k', v, -1, 0),
      () => encodeStore('set', 'k', v, 2 ** 32, 0),
      () => encodeStore('set', 'k', v, 1.5, 0),
      () => encodeStore('set', 'k', v, 0, 1.5),
      () => encodeStore('set', 'k', v, 0, Number.NaN),
      () => encodeStore('set', 'k', v, 0, 1e21),
      () => encodeStore('set', 'k', 42 as unknown as Uint8Array, 0, 0),
      () => encodeStore('set', 'k', 'lone \ud800 surrogate', 0, 0),
      () => encodeStore('cas' as 'set', 'k', v, 0, 0),
      () => encodeCas('k', v, 0, 0, -1n),
      () => encodeCas('k', v, 0, 0, 2n ** 64n),
      () => encodeIncrDecr('incr', 'k', -1),
      () => encodeIncrDecr('incr', 'k', 0.5),
      () => encodeIncrDecr('incr', 'k', 2 ** 53),
      () => encodeIncrDecr('mult' as 'incr', 'k', 1),
      () => encodeGet('get', []),
      () => encodeGet('gat' as 'get', ['k']),
      () => encodeGat('gat', Number.POSITIVE_INFINITY, ['k']),
      () => encodeStats('detail dump'),
      () => encodeStats('items\r\nflush_all'),
      () => encodeStats(''),
      () => encodeFlushAll(-1),
      () => encodeVerbosity(1.5),
    ];
    for (const fn of bad) expect(codeOf(fn)).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('meta encoders', () => {
  it('mg with every flag', () => {
    expect(encodeMetaGet('foo', { value: true, flags: true, cas: true, opaque: 'abc', quiet: true })).toBe(
      'mg foo v f c Oabc q\r\n',
    );
    expect(
      encodeMetaGet('Zm9v', {
        base64: true,
        value: true,
        flags: true,
        cas: true,
        ttl: true,
        size: true,
        key: true,
        hit: true,
        lastAccess: true,
        noBump: true,
        touch: 30,
        vivify: 60,
        recache: 10,
        opaque: '1',
        quiet: true,
      }),
    ).toBe('mg Zm9v b T30 N60 R10 v f c t s k h l u O1 q\r\n');
    expect(encodeMetaGet('foo', {})).toBe('mg foo\r\n');
  });

  it('ms, md, ma, mn, me', () => {
    expect(encodeMetaSet('foo', v, { flags: 0, ttl: 0 })).toStrictEqual(['ms foo 5 F0 T0\r\n', v, '\r\n']);
    expect(
      encodeMetaSet('Zm9v', v, {
        base64: true,
        flags: 7,
        ttl: -1,
        cas: 99n,
        invalidate: true,
        mode: 'A',
        returnCas: true,
        returnKey: true,
        opaque: 'x',
        quiet: true,
      })[0],
    ).toBe('ms Zm9v 5 b F7 T-1 C99 I MA c k Ox q\r\n');
    expect(encodeMetaDelete('foo')).toBe('md foo\r\n');
    expect(
      encodeMetaDelete('foo', {
        base64: true,
        cas: 5n,
        invalidate: true,
        ttl: 30,
        returnKey: true,
        opaque: 'o',
        quiet: true,
      }),
    ).toBe('md foo b C5 I T30 k Oo q\r\n');
    expect(encodeMetaArithmetic('n')).toBe('ma n\r\n');
    expect(
      encodeMetaArithmetic('n', {
        base64: true,
        mode: 'D',
        delta: 3n,
        initial: 10,
        vivify: 0,
        ttl: 60,
        cas: 4n,
        value: true,
        returnTtl: true,
        returnCas: true,
        returnKey: true,
        opaque: 'z',
        quiet: true,
      }),
    ).toBe('ma n b MD D3 J10 N0 T60 C4 v t c k Oz q\r\n');
    expect(encodeMetaNoop()).toBe('mn\r\n');
    expect(encodeMetaDebug('foo')).toBe('me foo\r\n');
    expect(encodeMetaDebug('Zm9v', true)).toBe('me Zm9v b\r\n');
  });

  it('rejects bad opaque tokens, modes and numbers', () => {
    const bad: Array<() => unknown> = [
      () => encodeMetaGet('k', { opaque: '' }),
      () => encodeMetaGet('k', { opaque: 'x'.repeat(33) }),
      // memcached refuses an O token over 32 bytes, the letter included.
      () => encodeMetaGet('k', { opaque: 'x'.repeat(MAX_OPAQUE_LENGTH + 1) }),
      () => encodeMetaGet('k', { opaque: 'a b' }),
      () => encodeMetaGet('k', { opaque: 'a\r\nmn' }),
      () => encodeMetaGet('k', { opaque: 'é' }),
      () => encodeMetaGet('k', { touch: 1.5 }),
      () => encodeMetaGet('k', { recache: -1 }),
      () => encodeMetaSet('k', v, { mode: 'X' as 'S' }),
      () => encodeMetaSet('k', v, { flags: -1 }),
      () => encodeMetaSet('k', v, { cas: -1n }),
      () => encodeMetaArithmetic('k', { mode: '+' as 'I' }),
      () => encodeMetaArithmetic('k', { delta: -1 }),
      () => encodeMetaArithmetic('k', { initial: 2n ** 64n }),
      () => encodeMetaDelete('k', { ttl: Number.NaN }),
    ];
    for (const fn of bad) expect(codeOf(fn)).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => encodeMetaGet('a b', {}))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => encodeMetaSet('k\n', v, {}))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => encodeMetaDebug('k\x00'))).toBe('ERR_KEY_INVALID');
  });
});
