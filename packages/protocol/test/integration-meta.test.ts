/**
 * The meta protocol codec against a real memcached: mg/ms/md/ma/mn/me with
 * their flags, base64 keys, quiet mode, vivify/recache and invalidation.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  encodeMetaArithmetic as ma,
  encodeMetaDelete as md,
  encodeMetaDebug as me,
  encodeMetaGet as mg,
  encodeMetaNoop as mn,
  encodeMetaSet as ms,
} from '../src/encode-meta';
import { encodeGet } from '../src/encode-text';
import { decodeBase64Key, encodeBase64Key } from '../src/keys';
import { MAX_OPAQUE_LENGTH } from '../src/limits';
import type { Reply } from '../src/replies';
import { buf, ttlNear, useMemcached } from './helpers/live';

const END: Reply = { type: 'END' };
const live = useMemcached();

describe('meta protocol against memcached', () => {
  it('the longest opaque the encoder accepts is one memcached copies back', async () => {
    const opaque = 'o'.repeat(MAX_OPAQUE_LENGTH);
    expect(await live.conn.request(mg('m:opaque-limit', { opaque }))).toStrictEqual([{ type: 'EN', opaque }]);
  });

  it('ms + mg with return flags, opaque and key', async () => {
    expect(await live.conn.request(ms('m:a', buf('abc'), { flags: 7, ttl: 0 }))).toStrictEqual([
      { type: 'HD' },
    ]);
    const [va] = await live.conn.request(
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
    const [hd] = await live.conn.request(mg('m:a', { hit: true, noBump: true }));
    expect(hd).toStrictEqual({ type: 'HD', hit: true });
    expect(await live.conn.request(mg('m:none', { value: true }))).toStrictEqual([{ type: 'EN' }]);
  });

  it('quiet mode: misses and successes are silent until mn', async () => {
    const replies = await live.conn.requestUntil(
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
    expect(await live.conn.request(ms('m:mode', buf('b'), { mode: 'E' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await live.conn.request(ms('m:mode', buf('x'), { mode: 'E' }))).toStrictEqual([{ type: 'NS' }]);
    expect(await live.conn.request(ms('m:mode', buf('c'), { mode: 'A' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await live.conn.request(ms('m:mode', buf('a'), { mode: 'P' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await live.conn.request(mg('m:mode', { value: true }))).toStrictEqual([
      { type: 'VA', value: buf('abc') },
    ]);
    expect(await live.conn.request(ms('m:nomode', buf('r'), { mode: 'R' }))).toStrictEqual([{ type: 'NS' }]);
    expect(await live.conn.request(ms('m:mode', buf('r'), { mode: 'R' }))).toStrictEqual([{ type: 'HD' }]);
    expect(await live.conn.request(ms('m:mode', buf('s'), { mode: 'S', returnKey: true }))).toStrictEqual([
      { type: 'HD', key: 'm:mode' },
    ]);
  });

  it('ms C compare-cas: HD, EX on conflict, NF when missing; c returns the new cas', async () => {
    const [stored] = await live.conn.request(ms('m:cas', buf('1'), { returnCas: true }));
    const cas = (stored as { cas: bigint }).cas;
    expect(typeof cas).toBe('bigint');
    const [next] = await live.conn.request(ms('m:cas', buf('2'), { cas, returnCas: true }));
    expect(next).toMatchObject({ type: 'HD' });
    expect((next as { cas: bigint }).cas).toBeGreaterThan(cas);
    expect(await live.conn.request(ms('m:cas', buf('3'), { cas }))).toStrictEqual([{ type: 'EX' }]);
    expect(await live.conn.request(ms('m:nocas', buf('3'), { cas }))).toStrictEqual([{ type: 'NF' }]);
  });

  it('ms I invalidate with an older cas marks the item stale', async () => {
    const [first] = await live.conn.request(ms('m:inv', buf('old'), { returnCas: true }));
    const oldCas = (first as { cas: bigint }).cas;
    await live.conn.request(ms('m:inv', buf('new'), {}));
    expect(
      await live.conn.request(ms('m:inv', buf('stale'), { cas: oldCas, invalidate: true })),
    ).toStrictEqual([{ type: 'HD' }]);
    const [va] = await live.conn.request(mg('m:inv', { value: true }));
    expect(va).toMatchObject({ type: 'VA', value: buf('stale'), stale: true });
  });

  it('md: HD, NF, EX on cas mismatch, I + T marks stale; then mg sees X and W, then Z', async () => {
    await live.conn.request(ms('m:del', buf('x'), {}));
    expect(await live.conn.request(md('m:del', { cas: 1n }))).toStrictEqual([{ type: 'EX' }]);
    expect(await live.conn.request(md('m:del', { returnKey: true, opaque: 'd' }))).toStrictEqual([
      { type: 'HD', key: 'm:del', opaque: 'd' },
    ]);
    expect(await live.conn.request(md('m:del'))).toStrictEqual([{ type: 'NF' }]);
    await live.conn.request(ms('m:stale', buf('v'), {}));
    expect(await live.conn.request(md('m:stale', { invalidate: true, ttl: 30 }))).toStrictEqual([
      { type: 'HD' },
    ]);
    expect(await live.conn.request(mg('m:stale', { value: true, ttl: true }))).toStrictEqual([
      { type: 'VA', value: buf('v'), ttl: ttlNear(30), stale: true, win: true },
    ]);
    expect(await live.conn.request(mg('m:stale', { value: true }))).toStrictEqual([
      { type: 'VA', value: buf('v'), stale: true, winSent: true },
    ]);
  });

  it('mg N vivify on miss: W then Z; R recache when the TTL is low', async () => {
    expect(await live.conn.request(mg('m:viv', { value: true, vivify: 30, ttl: true }))).toStrictEqual([
      { type: 'VA', value: buf(''), ttl: ttlNear(30), win: true },
    ]);
    expect(await live.conn.request(mg('m:viv', { value: true, vivify: 30 }))).toStrictEqual([
      { type: 'VA', value: buf(''), winSent: true },
    ]);
    await live.conn.request(ms('m:rc', buf('r'), { ttl: 10 }));
    expect(await live.conn.request(mg('m:rc', { value: true, recache: 30 }))).toStrictEqual([
      { type: 'VA', value: buf('r'), win: true },
    ]);
    expect(await live.conn.request(mg('m:rc', { value: true, recache: 30 }))).toStrictEqual([
      { type: 'VA', value: buf('r'), winSent: true },
    ]);
    expect(await live.conn.request(mg('m:rc', { touch: 100, ttl: true }))).toStrictEqual([
      { type: 'HD', ttl: ttlNear(100), winSent: true },
    ]);
  });

  it('ma: auto-create with N and J, increment, decrement, delta, value, ttl, cas, NF', async () => {
    expect(await live.conn.request(ma('m:n'))).toStrictEqual([{ type: 'NF' }]);
    const [created] = await live.conn.request(
      ma('m:n', { vivify: 0, initial: 10, value: true, returnTtl: true, returnCas: true }),
    );
    expect(created).toMatchObject({ type: 'VA', value: buf('10'), ttl: -1 });
    const cas = (created as { cas: bigint }).cas;
    expect(await live.conn.request(ma('m:n', { delta: 5n, value: true }))).toStrictEqual([
      { type: 'VA', value: buf('15') },
    ]);
    expect(await live.conn.request(ma('m:n', { mode: 'D', delta: 20, value: true }))).toStrictEqual([
      { type: 'VA', value: buf('0') },
    ]);
    expect(await live.conn.request(ma('m:n', { cas }))).toStrictEqual([{ type: 'EX' }]);
    expect(
      await live.conn.request(ma('m:n', { mode: 'I', ttl: 60, opaque: 'a', returnKey: true })),
    ).toStrictEqual([{ type: 'HD', opaque: 'a', key: 'm:n' }]);
    expect(await live.conn.requestUntil([ma('m:n', { quiet: true }), mn()], 'MN')).toStrictEqual([
      { type: 'MN' },
    ]);
    expect(await live.conn.request(ma('m:n', { value: true }))).toStrictEqual([
      { type: 'VA', value: buf('3') },
    ]);
  });

  it('mn and me', async () => {
    expect(await live.conn.request(mn())).toStrictEqual([{ type: 'MN' }]);
    await live.conn.request(ms('m:dbg', buf('12345'), {}));
    const [dbg] = await live.conn.request(me('m:dbg'));
    expect(dbg).toMatchObject({ type: 'ME', key: 'm:dbg', fields: { exp: '-1', fetch: 'no' } });
    expect(Object.keys((dbg as { fields: object }).fields)).toEqual(
      expect.arrayContaining(['exp', 'la', 'cas', 'fetch', 'cls', 'size']),
    );
    expect(await live.conn.request(me('m:nodbg'))).toStrictEqual([{ type: 'EN' }]);
  });

  it('base64 binary keys: ms/mg/md/ma/me with b, key returned base64', async () => {
    const raw = Buffer.from([0, 1, 0xff, 0x20, 0x0d, 0x0a, 0x6b]);
    const key = encodeBase64Key(raw);
    expect(await live.conn.request(ms(key, buf('bin'), { base64: true, flags: 30, ttl: 100 }))).toStrictEqual(
      [{ type: 'HD' }],
    );
    const [va] = await live.conn.request(
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
    const [dbg] = await live.conn.request(me(key, true));
    expect(dbg).toMatchObject({ type: 'ME', key });
    const nkey = encodeBase64Key('counter key');
    expect(
      await live.conn.request(ma(nkey, { base64: true, vivify: 0, initial: 1, value: true })),
    ).toStrictEqual([{ type: 'VA', value: buf('1') }]);
    // A base64 key names the same item as the plain key.
    expect(await live.conn.request(mg('k', { value: true }))).toStrictEqual([{ type: 'EN' }]);
    await live.conn.request(ms(encodeBase64Key('plain'), buf('p'), { base64: true }));
    expect(await live.conn.requestUntil(encodeGet('get', ['plain']), 'END')).toStrictEqual([
      { type: 'VALUE', key: 'plain', flags: 0, value: buf('p') },
      END,
    ]);
    expect(await live.conn.request(md(key, { base64: true }))).toStrictEqual([{ type: 'HD' }]);
  });
});
