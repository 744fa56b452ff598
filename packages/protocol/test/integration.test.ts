/**
 * The text protocol codec against a real memcached: every encoder's output is
 * written to a raw socket and the server's real replies are decoded with
 * ReplyDecoder. (The meta commands are in integration-meta.test.ts.)
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeMetaGet as mg, encodeMetaNoop as mn, encodeMetaSet as ms } from '../src/encode-meta';
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
import { encodeBase64Key } from '../src/keys';
import type { Reply, StatReply, ValueReply } from '../src/replies';
import { buf, useMemcached } from './helpers/live';

const END: Reply = { type: 'END' };
const live = useMemcached();

async function casOf(key: string): Promise<bigint> {
  const [value] = await live.conn.requestUntil(encodeGet('gets', [key]), 'END');
  return (value as ValueReply).cas!;
}

describe('text protocol against memcached', () => {
  it('set / get / multi-get / miss', async () => {
    expect(await live.conn.request(encodeStore('set', 't:a', buf('hello'), 42, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.request(encodeStore('set', 't:b', buf(''), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.requestUntil(encodeGet('get', ['t:a', 't:missing', 't:b']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:a', flags: 42, value: buf('hello') },
      { type: 'VALUE', key: 't:b', flags: 0, value: buf('') },
      END,
    ]);
    expect(await live.conn.requestUntil(encodeGet('get', ['t:missing']), 'END')).toStrictEqual([END]);
  });

  it('binary values that contain protocol text, and a large value spanning many chunks', async () => {
    const tricky = buf('\r\nEND\r\nVALUE x 0 1\r\n\x00\xff');
    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    await live.conn.request(encodeStore('set', 't:tricky', tricky, 1, 0));
    await live.conn.request(encodeStore('set', 't:big', big, 2, 0));
    const replies = await live.conn.requestUntil(encodeGet('get', ['t:tricky', 't:big']), 'END');
    expect(replies).toStrictEqual([
      { type: 'VALUE', key: 't:tricky', flags: 1, value: tricky },
      { type: 'VALUE', key: 't:big', flags: 2, value: big },
      END,
    ]);
  });

  it('UTF-8 keys', async () => {
    await live.conn.request(encodeStore('set', 'héllo✓', buf('u'), 0, 0));
    expect(await live.conn.requestUntil(encodeGet('get', ['héllo✓']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 'héllo✓', flags: 0, value: buf('u') },
      END,
    ]);
  });

  it('add / replace / append / prepend', async () => {
    expect(await live.conn.request(encodeStore('add', 't:ar', buf('b'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.request(encodeStore('add', 't:ar', buf('x'), 0, 0))).toStrictEqual([
      { type: 'NOT_STORED' },
    ]);
    expect(await live.conn.request(encodeStore('replace', 't:none', buf('x'), 0, 0))).toStrictEqual([
      { type: 'NOT_STORED' },
    ]);
    expect(await live.conn.request(encodeStore('append', 't:ar', buf('c'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.request(encodeStore('prepend', 't:ar', buf('a'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.request(encodeStore('replace', 't:ar', buf('abc!'), 5, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.requestUntil(encodeGet('get', ['t:ar']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:ar', flags: 5, value: buf('abc!') },
      END,
    ]);
  });

  it('gets / cas: success, conflict, missing', async () => {
    await live.conn.request(encodeStore('set', 't:cas', buf('v1'), 0, 0));
    const cas = await casOf('t:cas');
    expect(typeof cas).toBe('bigint');
    expect(await live.conn.request(encodeCas('t:cas', buf('v2'), 0, 0, cas))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await live.conn.request(encodeCas('t:cas', buf('v3'), 0, 0, cas))).toStrictEqual([
      { type: 'EXISTS' },
    ]);
    expect(await live.conn.request(encodeCas('t:nocas', buf('v'), 0, 0, 1n))).toStrictEqual([
      { type: 'NOT_FOUND' },
    ]);
    expect(await casOf('t:cas')).toBeGreaterThan(cas);
  });

  it('delete', async () => {
    await live.conn.request(encodeStore('set', 't:del', buf('x'), 0, 0));
    expect(await live.conn.request(encodeDelete('t:del'))).toStrictEqual([{ type: 'DELETED' }]);
    expect(await live.conn.request(encodeDelete('t:del'))).toStrictEqual([{ type: 'NOT_FOUND' }]);
  });

  it('incr / decr: values, floor at 0, 64-bit wrap, missing, non-numeric', async () => {
    await live.conn.request(encodeStore('set', 't:n', buf('10'), 0, 0));
    expect(await live.conn.request(encodeIncrDecr('incr', 't:n', 5))).toStrictEqual([
      { type: 'NUMBER', value: 15n },
    ]);
    expect(await live.conn.request(encodeIncrDecr('decr', 't:n', 100n))).toStrictEqual([
      { type: 'NUMBER', value: 0n },
    ]);
    await live.conn.request(encodeStore('set', 't:n', buf('18446744073709551615'), 0, 0));
    expect(await live.conn.request(encodeIncrDecr('incr', 't:n', 1))).toStrictEqual([
      { type: 'NUMBER', value: 0n },
    ]);
    await live.conn.request(encodeStore('set', 't:n', buf('100'), 0, 0));
    expect(await live.conn.request(encodeIncrDecr('decr', 't:n', 1))).toStrictEqual([
      { type: 'NUMBER', value: 99n },
    ]);
    expect(await live.conn.request(encodeIncrDecr('incr', 't:nope', 1))).toStrictEqual([
      { type: 'NOT_FOUND' },
    ]);
    await live.conn.request(encodeStore('set', 't:s', buf('abc'), 0, 0));
    const [err] = await live.conn.request(encodeIncrDecr('incr', 't:s', 1));
    expect(err?.type).toBe('CLIENT_ERROR');
  });

  it('touch / gat / gats', async () => {
    await live.conn.request(encodeStore('set', 't:touch', buf('x'), 3, 0));
    expect(await live.conn.request(encodeTouch('t:touch', 100))).toStrictEqual([{ type: 'TOUCHED' }]);
    expect(await live.conn.request(encodeTouch('t:untouched', 100))).toStrictEqual([{ type: 'NOT_FOUND' }]);
    expect(await live.conn.requestUntil(encodeGat('gat', 200, ['t:touch', 't:none']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:touch', flags: 3, value: buf('x') },
      END,
    ]);
    const [gats] = await live.conn.requestUntil(encodeGat('gats', 300, ['t:touch']), 'END');
    expect(gats).toMatchObject({ type: 'VALUE', key: 't:touch', flags: 3 });
    expect(typeof (gats as ValueReply).cas).toBe('bigint');
    const [hd] = await live.conn.request(mg('t:touch', { ttl: true }));
    expect((hd as { ttl: number }).ttl).toBeGreaterThan(200);
  });

  it('noreply commands produce no reply', async () => {
    live.conn.send(
      encodeStore('set', 't:nr', buf('1'), 0, 0, true),
      encodeIncrDecr('incr', 't:nr', 1, true),
      encodeTouch('t:nr', 10, true),
    );
    expect(await live.conn.requestUntil(encodeGet('get', ['t:nr']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:nr', flags: 0, value: buf('2') },
      END,
    ]);
    expect(await live.conn.request([encodeDelete('t:nr', true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });

  it('stats and stats settings', async () => {
    const stats = await live.conn.requestUntil(encodeStats(), 'END');
    const byName = new Map((stats.slice(0, -1) as StatReply[]).map((s) => [s.name, s.value]));
    expect(stats.every((r, i) => r.type === (i === stats.length - 1 ? 'END' : 'STAT'))).toBe(true);
    expect(byName.get('pid')).toBe(String(live.server.pid));
    expect(byName.get('version')).toMatch(/^1\.6\./);
    const settings = await live.conn.requestUntil(encodeStats('settings'), 'END');
    const names = new Set((settings.slice(0, -1) as StatReply[]).map((s) => s.name));
    expect(names.has('maxbytes')).toBe(true);
    expect(names.has('item_size_max')).toBe(true);
  });

  it('version and verbosity', async () => {
    const [v] = await live.conn.request(encodeVersion());
    expect(v).toMatchObject({ type: 'VERSION' });
    expect((v as { version: string }).version).toMatch(/^1\.6\.\d+/);
    expect(await live.conn.request(encodeVerbosity(0))).toStrictEqual([{ type: 'OK' }]);
    expect(await live.conn.request([encodeVerbosity(0, true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });

  it('lru_crawler metadump lists items, URL-decoding keys (bare-LF lines)', async () => {
    await live.conn.request(encodeStore('set', 'dump:plain', buf('x'), 0, 0));
    await live.conn.request(ms(encodeBase64Key('dump: binary\r\n'), buf('y'), { base64: true }));
    const dump = await live.conn.requestUntil(encodeMetadump(), 'END');
    expect(dump[dump.length - 1]).toStrictEqual(END);
    const keys = dump.filter((r) => r.type === 'METADUMP').map((r) => r.key);
    expect(keys).toContain('dump:plain');
    expect(keys).toContain('dump: binary\r\n');
    const plain = dump.find((r) => r.type === 'METADUMP' && r.key === 'dump:plain');
    expect(plain).toMatchObject({ fields: { key: 'dump%3Aplain', exp: '-1' } });
    expect(Object.keys((plain as { fields: object }).fields)).toEqual(
      expect.arrayContaining(['exp', 'la', 'cas', 'fetch', 'cls', 'size']),
    );
  });

  it('an unknown command is ERROR, a bad line is CLIENT_ERROR', async () => {
    expect(await live.conn.request('bogus\r\n')).toStrictEqual([{ type: 'ERROR' }]);
    // The encoders refuse a 251-byte key, so write the line by hand.
    expect(await live.conn.request(`get ${'x'.repeat(251)}\r\n`)).toStrictEqual([
      { type: 'CLIENT_ERROR', message: 'bad command line format' },
    ]);
  });

  it('quit: the server closes the connection without a reply', async () => {
    live.conn.send(encodeVersion(), encodeQuit());
    await live.conn.closed;
    expect(await live.conn.until((r) => r.length > 0)).toStrictEqual([
      { type: 'VERSION', version: expect.stringMatching(/^1\.6\./) },
    ]);
  });

  it('flush_all (last: it empties the cache)', async () => {
    await live.conn.request(encodeStore('set', 't:flush', buf('x'), 0, 0));
    expect(await live.conn.request(encodeFlushAll())).toStrictEqual([{ type: 'OK' }]);
    expect(await live.conn.requestUntil(encodeGet('get', ['t:flush']), 'END')).toStrictEqual([END]);
    expect(await live.conn.request([encodeFlushAll(0, true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });
});
