/**
 * The codec against a real memcached: every encoder's output is written to a
 * raw socket and the server's real replies are decoded with ReplyDecoder.
 */
import { Buffer } from 'node:buffer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeMetaArithmetic as ma,
  encodeMetaDelete as md,
  encodeMetaDebug as me,
  encodeMetaGet as mg,
  encodeMetaNoop as mn,
  encodeMetaSet as ms,
} from '../src/encode-meta';
import {
  encodeCas,
  encodeDelete,
  encodeFlushAll,
  encodeGat,
  encodeGet,
  encodeIncrDecr,
  encodeMetadump,
  encodeStats,
  encodeStore,
  encodeTouch,
  encodeVerbosity,
  encodeVersion,
} from '../src/encode-text';
import { decodeBase64Key, encodeBase64Key } from '../src/keys';
import type { Reply, StatReply, ValueReply } from '../src/replies';
import { type MemcachedServer, startMemcached } from './helpers/memcached';
import { RawConnection } from './helpers/raw-connection';

const buf = (s: string): Buffer => Buffer.from(s, 'latin1');
const END: Reply = { type: 'END' };

/** A remaining TTL read right after setting it: memcached's clock may tick in between. */
const ttlNear = (n: number): number =>
  ({
    asymmetricMatch: (v: unknown) => typeof v === 'number' && v <= n && v >= n - 2,
    toString: () => `ttlNear(${n})`,
  }) as unknown as number;

let server: MemcachedServer;
let conn: RawConnection;

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  conn = await RawConnection.connect(server.port);
});
afterEach(() => {
  // A test must consume every reply it caused; leftovers mean a framing bug.
  const leftovers = conn.pending.length;
  conn.close();
  expect(leftovers).toBe(0);
});

async function casOf(key: string): Promise<bigint> {
  const [value] = await conn.requestUntil(encodeGet('gets', [key]), 'END');
  return (value as ValueReply).cas!;
}

describe('text protocol against memcached', () => {
  it('set / get / multi-get / miss', async () => {
    expect(await conn.request(encodeStore('set', 't:a', buf('hello'), 42, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await conn.request(encodeStore('set', 't:b', buf(''), 0, 0))).toStrictEqual([{ type: 'STORED' }]);
    expect(await conn.requestUntil(encodeGet('get', ['t:a', 't:missing', 't:b']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:a', flags: 42, value: buf('hello') },
      { type: 'VALUE', key: 't:b', flags: 0, value: buf('') },
      END,
    ]);
    expect(await conn.requestUntil(encodeGet('get', ['t:missing']), 'END')).toStrictEqual([END]);
  });

  it('binary values that contain protocol text, and a large value spanning many chunks', async () => {
    const tricky = buf('\r\nEND\r\nVALUE x 0 1\r\n\x00\xff');
    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    await conn.request(encodeStore('set', 't:tricky', tricky, 1, 0));
    await conn.request(encodeStore('set', 't:big', big, 2, 0));
    const replies = await conn.requestUntil(encodeGet('get', ['t:tricky', 't:big']), 'END');
    expect(replies).toStrictEqual([
      { type: 'VALUE', key: 't:tricky', flags: 1, value: tricky },
      { type: 'VALUE', key: 't:big', flags: 2, value: big },
      END,
    ]);
  });

  it('UTF-8 keys', async () => {
    await conn.request(encodeStore('set', 'héllo✓', buf('u'), 0, 0));
    expect(await conn.requestUntil(encodeGet('get', ['héllo✓']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 'héllo✓', flags: 0, value: buf('u') },
      END,
    ]);
  });

  it('add / replace / append / prepend', async () => {
    expect(await conn.request(encodeStore('add', 't:ar', buf('b'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await conn.request(encodeStore('add', 't:ar', buf('x'), 0, 0))).toStrictEqual([
      { type: 'NOT_STORED' },
    ]);
    expect(await conn.request(encodeStore('replace', 't:none', buf('x'), 0, 0))).toStrictEqual([
      { type: 'NOT_STORED' },
    ]);
    expect(await conn.request(encodeStore('append', 't:ar', buf('c'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await conn.request(encodeStore('prepend', 't:ar', buf('a'), 0, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await conn.request(encodeStore('replace', 't:ar', buf('abc!'), 5, 0))).toStrictEqual([
      { type: 'STORED' },
    ]);
    expect(await conn.requestUntil(encodeGet('get', ['t:ar']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:ar', flags: 5, value: buf('abc!') },
      END,
    ]);
  });

  it('gets / cas: success, conflict, missing', async () => {
    await conn.request(encodeStore('set', 't:cas', buf('v1'), 0, 0));
    const cas = await casOf('t:cas');
    expect(typeof cas).toBe('bigint');
    expect(await conn.request(encodeCas('t:cas', buf('v2'), 0, 0, cas))).toStrictEqual([{ type: 'STORED' }]);
    expect(await conn.request(encodeCas('t:cas', buf('v3'), 0, 0, cas))).toStrictEqual([{ type: 'EXISTS' }]);
    expect(await conn.request(encodeCas('t:nocas', buf('v'), 0, 0, 1n))).toStrictEqual([
      { type: 'NOT_FOUND' },
    ]);
    expect(await casOf('t:cas')).toBeGreaterThan(cas);
  });

  it('delete', async () => {
    await conn.request(encodeStore('set', 't:del', buf('x'), 0, 0));
    expect(await conn.request(encodeDelete('t:del'))).toStrictEqual([{ type: 'DELETED' }]);
    expect(await conn.request(encodeDelete('t:del'))).toStrictEqual([{ type: 'NOT_FOUND' }]);
  });

  it('incr / decr: values, floor at 0, 64-bit wrap, missing, non-numeric', async () => {
    await conn.request(encodeStore('set', 't:n', buf('10'), 0, 0));
    expect(await conn.request(encodeIncrDecr('incr', 't:n', 5))).toStrictEqual([
      { type: 'NUMBER', value: 15n },
    ]);
    expect(await conn.request(encodeIncrDecr('decr', 't:n', 100n))).toStrictEqual([
      { type: 'NUMBER', value: 0n },
    ]);
    await conn.request(encodeStore('set', 't:n', buf('18446744073709551615'), 0, 0));
    expect(await conn.request(encodeIncrDecr('incr', 't:n', 1))).toStrictEqual([
      { type: 'NUMBER', value: 0n },
    ]);
    await conn.request(encodeStore('set', 't:n', buf('100'), 0, 0));
    expect(await conn.request(encodeIncrDecr('decr', 't:n', 1))).toStrictEqual([
      { type: 'NUMBER', value: 99n },
    ]);
    expect(await conn.request(encodeIncrDecr('incr', 't:nope', 1))).toStrictEqual([{ type: 'NOT_FOUND' }]);
    await conn.request(encodeStore('set', 't:s', buf('abc'), 0, 0));
    const [err] = await conn.request(encodeIncrDecr('incr', 't:s', 1));
    expect(err?.type).toBe('CLIENT_ERROR');
  });

  it('touch / gat / gats', async () => {
    await conn.request(encodeStore('set', 't:touch', buf('x'), 3, 0));
    expect(await conn.request(encodeTouch('t:touch', 100))).toStrictEqual([{ type: 'TOUCHED' }]);
    expect(await conn.request(encodeTouch('t:untouched', 100))).toStrictEqual([{ type: 'NOT_FOUND' }]);
    expect(await conn.requestUntil(encodeGat('gat', 200, ['t:touch', 't:none']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:touch', flags: 3, value: buf('x') },
      END,
    ]);
    const [gats] = await conn.requestUntil(encodeGat('gats', 300, ['t:touch']), 'END');
    expect(gats).toMatchObject({ type: 'VALUE', key: 't:touch', flags: 3 });
    expect(typeof (gats as ValueReply).cas).toBe('bigint');
    const [hd] = await conn.request(mg('t:touch', { ttl: true }));
    expect((hd as { ttl: number }).ttl).toBeGreaterThan(200);
  });

  it('noreply commands produce no reply', async () => {
    conn.send(
      encodeStore('set', 't:nr', buf('1'), 0, 0, true),
      encodeIncrDecr('incr', 't:nr', 1, true),
      encodeTouch('t:nr', 10, true),
    );
    expect(await conn.requestUntil(encodeGet('get', ['t:nr']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 't:nr', flags: 0, value: buf('2') },
      END,
    ]);
    expect(await conn.request([encodeDelete('t:nr', true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });

  it('stats and stats settings', async () => {
    const stats = await conn.requestUntil(encodeStats(), 'END');
    const byName = new Map((stats.slice(0, -1) as StatReply[]).map((s) => [s.name, s.value]));
    expect(stats.every((r, i) => r.type === (i === stats.length - 1 ? 'END' : 'STAT'))).toBe(true);
    expect(byName.get('pid')).toBe(String(server.pid));
    expect(byName.get('version')).toMatch(/^1\.6\./);
    const settings = await conn.requestUntil(encodeStats('settings'), 'END');
    const names = new Set((settings.slice(0, -1) as StatReply[]).map((s) => s.name));
    expect(names.has('maxbytes')).toBe(true);
    expect(names.has('item_size_max')).toBe(true);
  });

  it('version and verbosity', async () => {
    const [v] = await conn.request(encodeVersion());
    expect(v).toMatchObject({ type: 'VERSION' });
    expect((v as { version: string }).version).toMatch(/^1\.6\.\d+/);
    expect(await conn.request(encodeVerbosity(0))).toStrictEqual([{ type: 'OK' }]);
    expect(await conn.request([encodeVerbosity(0, true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });

  it('lru_crawler metadump lists items, URL-decoding keys (bare-LF lines)', async () => {
    await conn.request(encodeStore('set', 'dump:plain', buf('x'), 0, 0));
    await conn.request(ms(encodeBase64Key('dump: binary\r\n'), buf('y'), { base64: true }));
    const dump = await conn.requestUntil(encodeMetadump(), 'END');
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
    expect(await conn.request('bogus\r\n')).toStrictEqual([{ type: 'ERROR' }]);
    // The encoders refuse a 251-byte key, so write the line by hand.
    expect(await conn.request(`get ${'x'.repeat(251)}\r\n`)).toStrictEqual([
      { type: 'CLIENT_ERROR', message: 'bad command line format' },
    ]);
  });

  it('flush_all (last: it empties the cache)', async () => {
    await conn.request(encodeStore('set', 't:flush', buf('x'), 0, 0));
    expect(await conn.request(encodeFlushAll())).toStrictEqual([{ type: 'OK' }]);
    expect(await conn.requestUntil(encodeGet('get', ['t:flush']), 'END')).toStrictEqual([END]);
    expect(await conn.request([encodeFlushAll(0, true), mn()])).toStrictEqual([{ type: 'MN' }]);
  });
});

describe('meta protocol against memcached', () => {
  it('ms + mg with return flags, opaque and key', async () => {
    expect(await conn.request(ms('m:a', buf('abc'), { flags: 7, ttl: 0 }))).toStrictEqual([{ type: 'HD' }]);
    const [va] = await conn.request(
      mg('m:a', {
        value: true,
        flags: true,
        cas: true,
        ttl: true,
        size: true,
        key: true,
        hit: true,
        lastAccess: true,
        opaque: 'op1',
      }),
    );
    expect(va).toMatchObject({
      type: 'VA',
      value: buf('abc'),
      flags: 7,
      ttl: -1,
      size: 3,
      key: 'm:a',
      hit: false,
      opaque: 'op1',
    });
    expect(typeof (va as { cas: bigint }).cas).toBe('bigint');
    expect(typeof (va as { lastAccess: number }).lastAccess).toBe('number');
    const [hd] = await conn.request(mg('m:a', { hit: true, noBump: true }));
    expect(hd).toStrictEqual({ type: 'HD', hit: true });
    expect(await conn.request(mg('m:none', { value: true }))).toStrictEqual([{ type: 'EN' }]);
  });

  it('quiet mode: misses and successes are silent until mn', async () => {
    const replies = await conn.requestUntil(
      [
        mg('m:q1', { value: true, quiet: true }),
        ...ms('m:q2', buf('z'), { quiet: true }),
        mg('m:q2', { value: true, quiet: true, opaque: '9' }),
        md('m:q3', { quiet: true }),
        mn(),
      ],
      'MN',
    );
    expect(replies).toStrictEqual([
      { type: 'VA', value: buf('z'), opaque: '9' },
      { type: 'NF' },
      { type: 'MN' },
    ]);
  });

  it('ms modes E (add), A (append), P (prepend), R (replace), S (set)', async () => {
    expect(await conn.request(ms('m:mode', buf('b'), { mode: 'E' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await conn.request(ms('m:mode', buf('x'), { mode: 'E' }))).toStrictEqual([{ type: 'NS' }]);
    expect(await conn.request(ms('m:mode', buf('c'), { mode: 'A' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await conn.request(ms('m:mode', buf('a'), { mode: 'P' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await conn.request(mg('m:mode', { value: true }))).toStrictEqual([
      { type: 'VA', value: buf('abc') },
    ]);
    expect(await conn.request(ms('m:nomode', buf('r'), { mode: 'R' }))).toStrictEqual([{ type: 'NS' }]);
    expect(await conn.request(ms('m:mode', buf('r'), { mode: 'R' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await conn.request(ms('m:mode', buf('s'), { mode: 'S', returnKey: true }))).toStrictEqual([
      { type: 'HD', key: 'm:mode' },
    ]);
  });

  it('ms C compare-cas: HD, EX on conflict, NF when missing; c returns the new cas', async () => {
    const [stored] = await conn.request(ms('m:cas', buf('1'), { returnCas: true }));
    const cas = (stored as { cas: bigint }).cas;
    expect(typeof cas).toBe('bigint');
    const [next] = await conn.request(ms('m:cas', buf('2'), { cas, returnCas: true }));
    expect(next).toMatchObject({ type: 'HD' });
    expect((next as { cas: bigint }).cas).toBeGreaterThan(cas);
    expect(await conn.request(ms('m:cas', buf('3'), { cas }))).toStrictEqual([{ type: 'EX' }]);
    expect(await conn.request(ms('m:nocas', buf('3'), { cas }))).toStrictEqual([{ type: 'NF' }]);
  });

  it('ms I invalidate with an older cas marks the item stale', async () => {
    const [first] = await conn.request(ms('m:inv', buf('old'), { returnCas: true }));
    const oldCas = (first as { cas: bigint }).cas;
    await conn.request(ms('m:inv', buf('new'), {}));
    expect(await conn.request(ms('m:inv', buf('stale'), { cas: oldCas, invalidate: true }))).toStrictEqual([
      { type: 'HD' },
    ]);
    const [va] = await conn.request(mg('m:inv', { value: true }));
    expect(va).toMatchObject({ type: 'VA', value: buf('stale'), stale: true });
  });

  it('md: HD, NF, EX on cas mismatch, I + T marks stale; then mg sees X and W, then Z', async () => {
    await conn.request(ms('m:del', buf('x'), {}));
    expect(await conn.request(md('m:del', { cas: 1n }))).toStrictEqual([{ type: 'EX' }]);
    expect(await conn.request(md('m:del', { returnKey: true, opaque: 'd' }))).toStrictEqual([
      { type: 'HD', key: 'm:del', opaque: 'd' },
    ]);
    expect(await conn.request(md('m:del'))).toStrictEqual([{ type: 'NF' }]);
    await conn.request(ms('m:stale', buf('v'), {}));
    expect(await conn.request(md('m:stale', { invalidate: true, ttl: 30 }))).toStrictEqual([{ type: 'HD' }]);
    expect(await conn.request(mg('m:stale', { value: true, ttl: true }))).toStrictEqual([
      { type: 'VA', value: buf('v'), ttl: ttlNear(30), stale: true, win: true },
    ]);
    expect(await conn.request(mg('m:stale', { value: true }))).toStrictEqual([
      { type: 'VA', value: buf('v'), stale: true, winSent: true },
    ]);
  });

  it('mg N vivify on miss: W then Z; R recache when the TTL is low', async () => {
    expect(await conn.request(mg('m:viv', { value: true, vivify: 30, ttl: true }))).toStrictEqual([
      { type: 'VA', value: buf(''), ttl: ttlNear(30), win: true },
    ]);
    expect(await conn.request(mg('m:viv', { value: true, vivify: 30 }))).toStrictEqual([
      { type: 'VA', value: buf(''), winSent: true },
    ]);
    await conn.request(ms('m:rc', buf('r'), { ttl: 10 }));
    expect(await conn.request(mg('m:rc', { value: true, recache: 30 }))).toStrictEqual([
      { type: 'VA', value: buf('r'), win: true },
    ]);
    expect(await conn.request(mg('m:rc', { value: true, recache: 30 }))).toStrictEqual([
      { type: 'VA', value: buf('r'), winSent: true },
    ]);
    expect(await conn.request(mg('m:rc', { touch: 100, ttl: true }))).toStrictEqual([
      { type: 'HD', ttl: ttlNear(100), winSent: true },
    ]);
  });

  it('ma: auto-create with N and J, increment, decrement, delta, value, ttl, cas, NF', async () => {
    expect(await conn.request(ma('m:n'))).toStrictEqual([{ type: 'NF' }]);
    const [created] = await conn.request(
      ma('m:n', { vivify: 0, initial: 10, value: true, returnTtl: true, returnCas: true }),
    );
    expect(created).toMatchObject({ type: 'VA', value: buf('10'), ttl: -1 });
    const cas = (created as { cas: bigint }).cas;
    expect(await conn.request(ma('m:n', { delta: 5n, value: true }))).toStrictEqual([
      { type: 'VA', value: buf('15') },
    ]);
    expect(await conn.request(ma('m:n', { mode: 'D', delta: 20, value: true }))).toStrictEqual([
      { type: 'VA', value: buf('0') },
    ]);
    expect(await conn.request(ma('m:n', { cas }))).toStrictEqual([{ type: 'EX' }]);
    expect(await conn.request(ma('m:n', { mode: 'I', ttl: 60, opaque: 'a', returnKey: true }))).toStrictEqual(
      [{ type: 'HD', opaque: 'a', key: 'm:n' }],
    );
    expect(await conn.requestUntil([ma('m:n', { quiet: true }), mn()], 'MN')).toStrictEqual([{ type: 'MN' }]);
    expect(await conn.request(ma('m:n', { value: true }))).toStrictEqual([{ type: 'VA', value: buf('3') }]);
  });

  it('mn and me', async () => {
    expect(await conn.request(mn())).toStrictEqual([{ type: 'MN' }]);
    await conn.request(ms('m:dbg', buf('12345'), {}));
    const [dbg] = await conn.request(me('m:dbg'));
    expect(dbg).toMatchObject({ type: 'ME', key: 'm:dbg', fields: { exp: '-1', fetch: 'no' } });
    expect(Object.keys((dbg as { fields: object }).fields)).toEqual(
      expect.arrayContaining(['exp', 'la', 'cas', 'fetch', 'cls', 'size']),
    );
    expect(await conn.request(me('m:nodbg'))).toStrictEqual([{ type: 'EN' }]);
  });

  it('base64 binary keys: ms/mg/md/ma/me with b, key returned base64', async () => {
    const raw = Buffer.from([0, 1, 0xff, 0x20, 0x0d, 0x0a, 0x6b]);
    const key = encodeBase64Key(raw);
    expect(await conn.request(ms(key, buf('bin'), { base64: true, flags: 30, ttl: 100 }))).toStrictEqual([
      { type: 'HD' },
    ]);
    const [va] = await conn.request(
      mg(key, { base64: true, key: true, value: true, flags: true, ttl: true }),
    );
    expect(va).toStrictEqual({
      type: 'VA',
      value: buf('bin'),
      key,
      base64: true,
      flags: 30,
      ttl: ttlNear(100),
    });
    expect(decodeBase64Key((va as { key: string }).key)).toStrictEqual(raw);
    const [dbg] = await conn.request(me(key, true));
    expect(dbg).toMatchObject({ type: 'ME', key });
    const nkey = encodeBase64Key('counter key');
    expect(await conn.request(ma(nkey, { base64: true, vivify: 0, initial: 1, value: true }))).toStrictEqual([
      { type: 'VA', value: buf('1') },
    ]);
    // A base64 key names the same item as the plain key.
    expect(await conn.request(mg('k', { value: true }))).toStrictEqual([{ type: 'EN' }]);
    await conn.request(ms(encodeBase64Key('plain'), buf('p'), { base64: true }));
    expect(await conn.requestUntil(encodeGet('get', ['plain']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 'plain', flags: 0, value: buf('p') },
      END,
    ]);
    expect(await conn.request(md(key, { base64: true }))).toStrictEqual([{ type: 'HD' }]);
  });
});
