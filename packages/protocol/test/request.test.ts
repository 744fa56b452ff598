/**
 * Table tests of the request decoder: each command line and its typed
 * request, and each malformed input and the exact error line memcached
 * 1.6.18 answers (checked against the real daemon).
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  isMemkitError,
  MAX_OPAQUE_LENGTH,
  parseI32,
  parseU32,
  parseU64,
  type Request,
  RequestDecoder,
  type RequestDecoderLimits,
  safeStrtol,
  safeStrtoul,
  safeStrtoull,
} from '../src/index';
import { decodeMemcachedBase64Key } from '../src/request/base64-key';

/** A request with its data block (if any) as a latin1 string. */
type Plain = Record<string, unknown>;

function plain(req: Request): Plain {
  if ('value' in req) return { ...req, value: req.value.toString('latin1') };
  return { ...req };
}

/** Feeds `chunks` in order to a new decoder and returns every request it yields. */
function decodeChunks(chunks: Buffer[], limits?: RequestDecoderLimits): Plain[] {
  const decoder = new RequestDecoder(limits);
  const out: Plain[] = [];
  for (const chunk of chunks) decoder.feed(chunk, (req) => out.push(plain(req)));
  return out;
}

/** Decodes `input` fed in one chunk. */
function decodeAll(input: string | Buffer, limits?: RequestDecoderLimits): Plain[] {
  return decodeChunks([typeof input === 'string' ? Buffer.from(input, 'latin1') : input], limits);
}

const bad = (message: string, noreply = false) => ({ type: 'bad', message, noreply });

describe('storage commands', () => {
  it('parses set with its data block', () => {
    expect(decodeAll('set foo 5 100 3\r\nbar\r\n')).toEqual([
      {
        type: 'storage',
        command: 'set',
        key: 'foo',
        flags: 5,
        exptime: 100,
        cas: 0n,
        noreply: false,
        value: 'bar',
      },
    ]);
  });

  it('parses cas with noreply and an empty value', () => {
    expect(decodeAll('cas k 0 -1 0 77 noreply\r\n\r\n')).toEqual([
      {
        type: 'storage',
        command: 'cas',
        key: 'k',
        flags: 0,
        exptime: -1,
        cas: 77n,
        noreply: true,
        value: '',
      },
    ]);
  });

  it('keeps CR and LF bytes inside the data block', () => {
    const [req] = decodeAll('append k 0 0 4\r\n\r\n\r\n\r\n');
    expect(req).toMatchObject({ command: 'append', value: '\r\n\r\n' });
  });

  it('accepts a bare LF line ending and extra spaces', () => {
    expect(decodeAll('set  a  1  0  1 \nx\r\n')).toMatchObject([{ key: 'a', flags: 1, value: 'x' }]);
  });

  it('truncates 32-bit fields like memcached', () => {
    expect(decodeAll('set a 4294967296 4294967297 1\r\nx\r\n')).toMatchObject([{ flags: 0, exptime: 1 }]);
  });

  it('answers bad data chunk and parses what follows the block as the next command', () => {
    expect(decodeAll('set a 0 0 1\r\nxyzversion\r\n')).toEqual([
      bad('CLIENT_ERROR bad data chunk'),
      { type: 'version' },
    ]);
  });

  it('suppresses errors of noreply classic commands', () => {
    expect(decodeAll('set a 0 0 1 noreply\r\nxy\r\n')).toEqual([
      bad('CLIENT_ERROR bad data chunk', true),
      bad('ERROR'),
    ]);
    expect(decodeAll('set a 0 0 abc noreply\r\n')).toEqual([
      bad('CLIENT_ERROR bad command line format', true),
    ]);
  });

  it('rejects malformed storage lines without swallowing the data', () => {
    expect(decodeAll('set a -1 0 1\r\nx\r\n')).toEqual([
      bad('CLIENT_ERROR bad command line format'),
      bad('ERROR'),
    ]);
    expect(decodeAll('set a 0 0 -1\r\n')).toEqual([bad('CLIENT_ERROR bad command line format')]);
    expect(decodeAll(`set ${'k'.repeat(251)} 0 0 1\r\n`)).toEqual([
      bad('CLIENT_ERROR bad command line format'),
    ]);
    expect(decodeAll('set a 0 0\r\n')).toEqual([bad('ERROR')]);
    expect(decodeAll('set a 0 0 1 noreply extra\r\n')).toEqual([bad('ERROR')]);
    expect(decodeAll('cas a 0 0 1 x\r\n')).toEqual([bad('CLIENT_ERROR bad command line format')]);
  });

  it('swallows a too-large data block and reports the key', () => {
    const input = `set big 0 0 20\r\n${'x'.repeat(20)}\r\nversion\r\n`;
    expect(decodeAll(input, { maxValueLength: 10 })).toEqual([
      {
        ...bad('SERVER_ERROR object too large for cache'),
        tooLarge: { command: 'set', key: 'big' },
      },
      { type: 'version' },
    ]);
  });
});

describe('retrieval and other classic commands', () => {
  it('parses get/gets/gat/gats and bget', () => {
    expect(decodeAll('get a b  c\r\ngets x\r\ngat 10 a b\r\ngats -1 z\r\nbget q\r\n')).toEqual([
      { type: 'retrieval', command: 'get', keys: ['a', 'b', 'c'], exptime: 0 },
      { type: 'retrieval', command: 'gets', keys: ['x'], exptime: 0 },
      { type: 'retrieval', command: 'gat', keys: ['a', 'b'], exptime: 10 },
      { type: 'retrieval', command: 'gats', keys: ['z'], exptime: -1 },
      { type: 'retrieval', command: 'get', keys: ['q'], exptime: 0 },
    ]);
  });

  it('reads every key of a multiget beyond the 24-token limit', () => {
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    expect(decodeAll(`get ${keys.join(' ')}\r\n`)).toEqual([
      { type: 'retrieval', command: 'get', keys, exptime: 0 },
    ]);
  });

  it('refuses bad retrievals', () => {
    expect(decodeAll('get\r\n')).toEqual([bad('ERROR')]);
    expect(decodeAll('gat abc k\r\n')).toEqual([bad('CLIENT_ERROR invalid exptime argument')]);
    expect(decodeAll(`get a ${'k'.repeat(251)}\r\n`)).toEqual([bad('CLIENT_ERROR bad command line format')]);
    expect(decodeAll('gat 10\r\n')).toEqual([{ type: 'retrieval', command: 'gat', keys: [], exptime: 10 }]);
  });

  it('parses delete with the legacy 0 and noreply', () => {
    expect(decodeAll('delete a\r\ndelete a 0\r\ndelete a noreply\r\ndelete a 0 noreply\r\n')).toEqual([
      { type: 'delete', key: 'a', noreply: false },
      { type: 'delete', key: 'a', noreply: false },
      { type: 'delete', key: 'a', noreply: true },
      { type: 'delete', key: 'a', noreply: true },
    ]);
    const usage = 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]';
    expect(decodeAll('delete a 1\r\ndelete a 1 noreply\r\ndelete a x y z\r\n')).toEqual([
      bad(usage),
      bad(usage, true),
      bad('ERROR'),
    ]);
  });

  it('parses incr/decr with 64-bit deltas', () => {
    expect(decodeAll('incr n 18446744073709551615\r\ndecr n 1 noreply\r\n')).toEqual([
      { type: 'arithmetic', command: 'incr', key: 'n', delta: 18446744073709551615n, noreply: false },
      { type: 'arithmetic', command: 'decr', key: 'n', delta: 1n, noreply: true },
    ]);
    expect(decodeAll('incr n -1\r\nincr n 18446744073709551616\r\nincr n\r\n')).toEqual([
      bad('CLIENT_ERROR invalid numeric delta argument'),
      bad('CLIENT_ERROR invalid numeric delta argument'),
      bad('ERROR'),
    ]);
  });

  it('parses touch, flush_all, verbosity, version, quit, stats', () => {
    expect(
      decodeAll(
        'touch a 10\r\nflush_all\r\nflush_all 5 noreply\r\nflush_all noreply\r\nverbosity 1\r\nversion\r\nquit\r\nstats items\r\nstats\r\n',
      ),
    ).toEqual([
      { type: 'touch', key: 'a', exptime: 10, noreply: false },
      { type: 'flush_all', delay: 0, noreply: false },
      { type: 'flush_all', delay: 5, noreply: true },
      { type: 'flush_all', delay: 0, noreply: true },
      { type: 'verbosity', level: 1, noreply: false },
      { type: 'version' },
      { type: 'quit' },
      { type: 'stats', args: ['items'] },
      { type: 'stats', args: [] },
    ]);
    expect(decodeAll('touch a abc\r\nflush_all abc\r\nflush_all 1 2 3\r\nverbosity x\r\n')).toEqual([
      bad('CLIENT_ERROR invalid exptime argument'),
      bad('CLIENT_ERROR invalid exptime argument'),
      bad('ERROR'),
      bad('CLIENT_ERROR bad command line format'),
    ]);
  });

  it('parses lru_crawler metadump class lists', () => {
    expect(
      decodeAll('lru_crawler metadump all\r\nlru_crawler metadump 1,2\r\nlru_crawler metadump 64\r\n'),
    ).toEqual([
      { type: 'metadump', classes: 'all' },
      { type: 'metadump', classes: [1, 2] },
      { type: 'metadump', classes: 'invalid' },
    ]);
  });

  it('parses config get <key> and answers ERROR to other config forms', () => {
    expect(
      decodeAll('config get cluster\r\nconfig get\r\nconfig set cluster 0 1\r\nconfig get a b\r\n'),
    ).toEqual([{ type: 'config', key: 'cluster' }, bad('ERROR'), bad('ERROR'), bad('ERROR')]);
  });

  it('answers ERROR to unknown commands, empty lines and upper case', () => {
    expect(decodeAll('GET a\r\n\r\nx\r\n   \r\nfoo bar\r\nmx\r\n')).toEqual([
      bad('ERROR'),
      bad('ERROR'),
      bad('ERROR'),
      bad('ERROR'),
      bad('ERROR'),
      bad('ERROR'),
    ]);
  });

  it('ends a line at a NUL byte like a C string', () => {
    expect(decodeAll('get a\0b\r\n')).toEqual([
      { type: 'retrieval', command: 'get', keys: ['a'], exptime: 0 },
    ]);
  });

  it('keeps binary keys byte for byte', () => {
    const [req] = decodeAll(Buffer.from([...Buffer.from('get '), 0xff, 0xc3, 0x09, 0x0d, 0x0a]));
    expect(Buffer.from((req!.keys as string[])[0]!, 'latin1')).toEqual(Buffer.from([0xff, 0xc3, 0x09]));
  });
});

describe('meta commands', () => {
  it('parses mg flags in order', () => {
    const [req] = decodeAll('mg foo s v f t c k O123 q h l N30 R5 T10\r\n');
    expect(req).toMatchObject({
      type: 'mg',
      key: 'foo',
      flags: {
        tokens: ['s', 'v', 'f', 't', 'c', 'k', 'O123', 'q', 'h', 'l', 'N30', 'R5', 'T10'],
        value: true,
        quiet: true,
        opaque: '123',
        vivifyTtl: 30,
        recacheTtl: 5,
        ttl: 10,
      },
    });
  });

  it('decodes base64 keys', () => {
    expect(decodeAll('mg Zm9v b k\r\n')).toMatchObject([{ type: 'mg', key: 'foo', flags: { base64: true } }]);
    expect(decodeAll('mg foo b\r\n')).toEqual([bad('CLIENT_ERROR error decoding key')]);
    expect(decodeAll('me bg== b\r\n')).toEqual([{ type: 'me', key: 'n', base64: true }]);
    expect(decodeAll('me n b\r\n')).toEqual([bad('CLIENT_ERROR bad command line format')]);
  });

  it('reports mg flag errors like memcached', () => {
    expect(decodeAll('mg foo x\r\nmg foo v v\r\nmg foo T\r\nmg\r\nmg foo Mab\r\n')).toEqual([
      bad('CLIENT_ERROR invalid flag'),
      bad('CLIENT_ERROR duplicate flag'),
      bad('CLIENT_ERROR bad token in command line format'),
      bad('ERROR'),
      bad('CLIENT_ERROR incorrect length for M token'),
    ]);
    expect(
      decodeAll(`mg foo ${'v '.repeat(0)}${Array.from({ length: 18 }, () => 'k').join(' ')}\r\n`),
    ).toEqual([bad('CLIENT_ERROR options flags are too long')]);
  });

  it('parses ms with its data block and mode', () => {
    expect(decodeAll('ms foo 2 T60 F7 MA C9 I q\r\nhi\r\n')).toMatchObject([
      {
        type: 'ms',
        key: 'foo',
        value: 'hi',
        flags: { ttl: 60, clientFlags: 7, mode: 'A', compareCas: 9n, invalidate: true, quiet: true },
      },
    ]);
  });

  it('swallows the data block of an ms refused after its length was read', () => {
    expect(decodeAll('ms foo 2 x\r\nhi\r\nmn\r\n')).toEqual([
      bad('CLIENT_ERROR invalid flag'),
      { type: 'mn' },
    ]);
    expect(decodeAll('ms foo 2 MX\r\nhi\r\nmn\r\n')).toEqual([
      bad('CLIENT_ERROR invalid mode for ms M token'),
      { type: 'mn' },
    ]);
    expect(decodeAll(`ms foo 2 O${'o'.repeat(32)}\r\nhi\r\nmn\r\n`)).toEqual([
      bad('CLIENT_ERROR opaque token too long'),
      { type: 'mn' },
    ]);
    expect(decodeAll('ms foo 2 F-1\r\nhi\r\nmn\r\n')).toEqual([
      bad('CLIENT_ERROR bad command line format'),
      { type: 'mn' },
    ]);
    expect(decodeAll('ms foo 30 T0\r\n' + 'x'.repeat(30) + '\r\nmn\r\n', { maxValueLength: 8 })).toEqual([
      { ...bad('SERVER_ERROR object too large for cache'), tooLarge: { command: 'ms', key: 'foo' } },
      { type: 'mn' },
    ]);
  });

  it('does not swallow when the ms length itself is bad', () => {
    expect(decodeAll('ms foo abc\r\nms foo\r\nmn\r\n')).toEqual([
      bad('CLIENT_ERROR bad command line format'),
      bad('CLIENT_ERROR bad command line format'),
      { type: 'mn' },
    ]);
  });

  it('always reports ms data chunk errors, even with q', () => {
    expect(decodeAll('ms foo 2 q\r\nhiX\r\n')).toEqual([bad('CLIENT_ERROR bad data chunk'), bad('ERROR')]);
  });

  it('uses the md/ma generic flag error and checks modes', () => {
    expect(decodeAll('md x zz\r\nma n Dabc\r\nma n Mx\r\nmd x O' + 'o'.repeat(32) + '\r\n')).toEqual([
      bad('CLIENT_ERROR invalid or duplicate flag'),
      bad('CLIENT_ERROR invalid or duplicate flag'),
      bad('CLIENT_ERROR invalid mode for ma M token'),
      bad('CLIENT_ERROR opaque token too long'),
    ]);
    // The limit is on the token with its letter: 31 bytes of value pass.
    expect(decodeAll(`md x O${'o'.repeat(MAX_OPAQUE_LENGTH)}\r\n`)).toMatchObject([
      { type: 'md', key: 'x', flags: { opaque: 'o'.repeat(MAX_OPAQUE_LENGTH) } },
    ]);
    expect(decodeAll('ma n N0 J10 D5 MD v\r\n')).toMatchObject([
      { type: 'ma', key: 'n', flags: { vivifyTtl: 0, initial: 10n, delta: 5n, mode: 'D', value: true } },
    ]);
  });

  it('answers mn whatever its arguments', () => {
    expect(decodeAll('mn\r\nmn 1 2\r\n')).toEqual([{ type: 'mn' }, { type: 'mn' }]);
  });
});

describe('limits', () => {
  it('throws ERR_PROTOCOL for an unterminated line beyond the limit', () => {
    let caught: unknown;
    try {
      decodeChunks([Buffer.from('x'.repeat(3000))]);
    } catch (err) {
      caught = err;
    }
    expect(isMemkitError(caught, 'ERR_PROTOCOL')).toBe(true);
  });

  it('accepts a long line whose newline arrives in the same chunk, as memcached does', () => {
    expect(decodeChunks([Buffer.from('x'.repeat(2000)), Buffer.from(`${'x'.repeat(1000)}\r\n`)])).toEqual([
      bad('ERROR'),
    ]);
  });

  it('lets big multigets through up to their own limit', () => {
    const keys = Array.from({ length: 1500 }, () => 'k');
    const line = `get ${keys.join(' ')}`;
    const out = decodeChunks([Buffer.from(line.slice(0, 2500)), Buffer.from(`${line.slice(2500)}\r\n`)]);
    expect(out).toEqual([{ type: 'retrieval', command: 'get', keys, exptime: 0 }]);
    expect(() => decodeChunks([Buffer.from(line)], { maxMultigetLength: 2500 })).toThrow(/multiget/);
    expect(() => decodeChunks([Buffer.from(`gat 0 ${keys.join(' ')}`)])).toThrow(/newline/);
  });
});

describe('memcached number parsing', () => {
  it('follows safe_strtol/strtoul/strtoull', () => {
    expect(safeStrtol('2147483648')).toBe(-2147483648);
    expect(safeStrtol('-2147483649')).toBe(2147483647);
    expect(safeStrtol('99999999999999999999')).toBeUndefined();
    expect(safeStrtol('12abc')).toBeUndefined();
    expect(safeStrtol('12\tabc')).toBe(12);
    expect(safeStrtol('+5')).toBe(5);
    expect(safeStrtol('')).toBeUndefined();
    expect(safeStrtoul('-1')).toBeUndefined();
    expect(safeStrtoul('-0')).toBe(0);
    expect(safeStrtoul('18446744073709551615')).toBe(4294967295);
    expect(safeStrtoull('18446744073709551616')).toBeUndefined();
    expect(safeStrtoull('0x10')).toBeUndefined();
    expect(safeStrtoull('007')).toBe(7n);
    expect(safeStrtoull(`${'0'.repeat(60)}12`)).toBe(12n);
    expect(safeStrtoull('0')).toBe(0n);
  });

  it('keeps the old names as deprecated aliases', () => {
    expect(parseU64).toBe(safeStrtoull);
    expect(parseU32).toBe(safeStrtoul);
    expect(parseI32).toBe(safeStrtol);
  });

  it('decodes base64 keys with memcached leniency', () => {
    expect(decodeMemcachedBase64Key('Zm9vYmFy')).toBe('foobar');
    expect(decodeMemcachedBase64Key('Zm9v!YmFy')).toBe('foobar');
    expect(decodeMemcachedBase64Key('AA==')).toBe('\0');
    expect(decodeMemcachedBase64Key('foo')).toBeUndefined();
    expect(decodeMemcachedBase64Key('A===')).toBeUndefined();
    expect(decodeMemcachedBase64Key('====')).toBeUndefined();
  });
});
