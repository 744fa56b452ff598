import { MemkitError } from '@memkit/protocol';
import { rawCommand } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKEND_PROTOCOLS, type Backend, passServerTime } from './helpers/backends';
import { answerOf } from './helpers/server-results';

describe.each(BACKEND_PROTOCOLS)('commands over $name', ({ backend, protocol }) => {
  let server: Backend;
  let client: Client;

  beforeAll(async () => {
    server = await backend.start();
    client = new Client({ servers: [server.address], protocol });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });
  beforeEach(async () => {
    await client.flushAll();
  });

  it('set/get strings, numbers, bytes, JSON and empty values', async () => {
    expect(await client.set('s', 'héllo')).toBe(true);
    expect(await client.get('s')).toBe('héllo');
    await client.set('n', 42);
    expect(await client.get('n')).toBe(42);
    await client.set('b', Buffer.from([0, 1, 2, 255, 13, 10]));
    expect(await client.get('b')).toEqual(Buffer.from([0, 1, 2, 255, 13, 10]));
    await client.set('j', { a: [1, 2, { b: null }], c: true });
    expect(await client.get('j')).toEqual({ a: [1, 2, { b: null }], c: true });
    await client.set('empty', '');
    expect(await client.get('empty')).toBe('');
    await client.set('emptyb', Buffer.alloc(0));
    expect(await client.get('emptyb')).toEqual(Buffer.alloc(0));
    expect(await client.get('missing')).toBeUndefined();
  });

  it('values containing protocol bytes round-trip', async () => {
    const nasty = 'x\r\nEND\r\nVALUE y 0 1\r\nz\r\nset a 0 0 1\r\nb\r\n';
    await client.set('nasty', nasty);
    expect(await client.get('nasty')).toBe(nasty);
  });

  it('unicode keys', async () => {
    await client.set('ключ:üñí', 'v');
    expect(await client.get('ключ:üñí')).toBe('v');
  });

  it('add / replace / append / prepend', async () => {
    expect(await client.add('k', 'a')).toBe(true);
    expect(await client.add('k', 'b')).toBe(false);
    expect(await client.replace('k', 'c')).toBe(true);
    expect(await client.replace('nope', 'c')).toBe(false);
    expect(await client.append('k', 'Z')).toBe(true);
    expect(await client.prepend('k', 'A')).toBe(true);
    expect(await client.get('k')).toBe('AcZ');
    expect(await client.append('nope', 'x')).toBe(false);
  });

  it('noreply writes: quiet on the wire, never reject, report not-stored as false', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.set(`nr${i}`, `v${i}`, { noreply: true })),
    );
    expect(results.every((r) => r === true)).toBe(true);
    expect(await client.get('nr49')).toBe('v49');
    expect(await client.add('nr1', 'x', { noreply: true })).toBe(false);
    expect(await client.get('nr1')).toBe('v1');
  });

  it('gets + cas, including conflicts', async () => {
    await client.set('c', 'v1');
    const g = await client.gets<string>('c');
    expect(g?.value).toBe('v1');
    expect(typeof g?.cas).toBe('bigint');
    expect(await client.cas('c', 'v2', g!.cas)).toBe(true);
    expect(await client.cas('c', 'v3', g!.cas)).toBe(false);
    expect(await client.get('c')).toBe('v2');
    expect(await client.cas('absent', 'v', 1n)).toBe(false);
  });

  it('delete', async () => {
    await client.set('d', 1);
    expect(await client.delete('d')).toBe(true);
    expect(await client.delete('d')).toBe(false);
    expect(await client.get('d')).toBeUndefined();
  });

  it('incr/decr with 64-bit wrap and floor', async () => {
    expect(await client.incr('ctr')).toBeUndefined();
    await client.set('ctr', 10);
    expect(await client.incr('ctr', 5)).toBe(15n);
    expect(await client.decr('ctr', 100)).toBe(0n);
    await client.set('big', '18446744073709551615');
    expect(await client.incr('big', 2)).toBe(1n);
    await client.set('big2', String(2n ** 63n));
    expect(await client.incr('big2', 1n)).toBe(2n ** 63n + 1n);
    await expect(client.incr('ctr', -1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it("touch / gat / gats expire (server time: advanced, or memcached's own clock)", async () => {
    await client.set('t', 'v', { ttl: 100 });
    expect(await client.touch('t', 1)).toBe(true);
    expect(await client.touch('missing', 1)).toBe(false);
    await client.set('g', 'gv', { ttl: 100 });
    expect(await client.gat('g', 1)).toBe('gv');
    const gs = await client.gats<string>('g', 1);
    expect(gs?.value).toBe('gv');
    expect(typeof gs?.cas).toBe('bigint');
    expect(await client.get('t')).toBe('v');
    // A TTL of 1 s: gone once the server's clock moved 2 s (memcached's ticks once a second).
    await passServerTime(server, 2);
    expect(await client.get('t')).toBeUndefined();
    expect(await client.get('g')).toBeUndefined();
  });

  it('getMulti / setMulti / deleteMulti', async () => {
    const entries = Array.from({ length: 150 }, (_, i) => [`m${i}`, `v${i}`] as const);
    expect(await client.setMulti(entries)).toEqual([]);
    const keys = [...entries.map(([k]) => k), 'absent1', 'absent2'];
    const got = await client.getMulti<string>(keys);
    expect(got.size).toBe(150);
    for (const [k, v] of entries) expect(got.get(k)).toBe(v);
    expect(got.has('absent1')).toBe(false);
    expect(await client.deleteMulti(['m0', 'm1', 'absent1'])).toEqual(['absent1']);
    expect(await client.get('m0')).toBeUndefined();
  });

  it('keyPrefix, client-wide and per call', async () => {
    const prefixed = new Client({ servers: [server.address], protocol, keyPrefix: 'app:' });
    try {
      await prefixed.set('x', 'px');
      expect(await client.get('app:x')).toBe('px');
      await client.set('other:y', 'oy');
      expect(await prefixed.getMulti(['y'], { keyPrefix: 'other:' })).toEqual(new Map([['y', 'oy']]));
    } finally {
      await prefixed.close();
    }
  });

  it('flushAll with a delay', async () => {
    await client.set('f', 1);
    await client.flushAll(2);
    expect(await client.get('f')).toBe(1);
    await passServerTime(server, 3);
    expect(await client.get('f')).toBeUndefined();
  });

  it('stats (general, settings, slabs, items, sizes, conns) and version', async () => {
    await client.set('s1', 'x');
    const all = await client.stats();
    const s = answerOf(all, server.address);
    expect(Number(s.pid)).toBeGreaterThan(0);
    expect(Number(s.curr_items)).toBeGreaterThanOrEqual(1);
    for (const arg of ['settings', 'slabs', 'items', 'sizes', 'conns']) {
      const r = await client.stats(arg);
      expect(answerOf(r, server.address)).toBeTypeOf('object');
    }
    expect(answerOf(await client.stats('settings'), server.address).maxconns).toMatch(/^\d+$/);
    const v = await client.version();
    expect(answerOf(v, server.address)).toMatch(/^1\.6\./);
  });

  it('values at and over the size limit (existing value survives)', async () => {
    const limit = 1024 * 1024 - 512;
    const atLimit = Buffer.alloc(limit, 7);
    expect(await client.set('big', atLimit)).toBe(true);
    expect((await client.get<Buffer>('big'))?.equals(atLimit)).toBe(true);
    await expect(client.set('big', Buffer.alloc(limit + 1))).rejects.toMatchObject({
      code: 'ERR_VALUE_TOO_LARGE',
    });
    expect((await client.get<Buffer>('big'))?.equals(atLimit)).toBe(true);
  });

  it('invalid keys are rejected before sending', async () => {
    await client.set('sentinel', 'still-here');
    for (const bad of ['', 'a b', 'a\r\nflush_all', 'x'.repeat(251), 'é'.repeat(126), 'tab\tkey', 'nul\0']) {
      const err = await client.get(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MemkitError);
      expect((err as MemkitError).code).toBe('ERR_KEY_INVALID');
    }
    // Nothing was smuggled to the server: the sentinel survives (checked without the client).
    expect(await rawCommand(server, 'get sentinel\r\n')).toContain('still-here');
  });
});
