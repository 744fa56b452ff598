/**
 * The dialect is chosen per server: every command asks the dialect of the
 * server's pool (none bypasses it), and servers of one client may speak
 * different dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../src/context';
import type { Dialect } from '../src/dialect/index';
import { metaDialect } from '../src/dialect/meta';
import { textDialect } from '../src/dialect/text';
import { Client } from '../src/index';
import { type Backend, startReal } from './helpers/backends';
import { type RecordingProxy, startRecordingProxy } from './helpers/recording-proxy';

/** The pools of a client (internal: the dialect is a per-server property). */
function poolsOf(client: Client) {
  return (client as unknown as { ctx: Context }).ctx.cluster.pools;
}

describe('commands ask the dialect of the pool', () => {
  let server: Backend;
  beforeAll(async () => {
    server = await startReal();
  });
  afterAll(() => server.stop());

  it.each([
    ['meta', metaDialect],
    ['text', textDialect],
  ])('every command goes through the %s dialect object', async (_name, base) => {
    const calls = new Set<string>();
    // A recording dialect: the same behaviour, but every method call is noted.
    const recording = new Proxy(base, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.add(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Dialect;
    const client = new Client({ servers: [server.address], protocol: 'meta' });
    try {
      poolsOf(client)[0]!.dialect = recording;
      await client.flushAll();
      await client.set('a', 'x');
      await client.add('b', 'y');
      await client.replace('a', 'z');
      await client.append('a', '1');
      await client.prepend('a', '0');
      const g = await client.gets('a');
      await client.cas('a', 'w', g!.cas);
      expect(await client.get('a')).toBe('w');
      await client.gat('a', 100);
      await client.gats('a', 100);
      await client.touch('a', 100);
      await client.set('n', '5');
      expect(await client.incr('n', 2)).toBe(7n);
      expect(await client.decr('n', 1)).toBe(6n);
      await client.delete('b');
      expect(await client.setMulti({ m1: 1, m2: 2 })).toEqual([]);
      expect(await client.getMulti(['m1', 'm2'])).toEqual(
        new Map([
          ['m1', 1],
          ['m2', 2],
        ]),
      );
      expect((await client.getsMulti(['m1'])).get('m1')?.value).toBe(1);
      expect(await client.incr('created', 1, { initial: 5 })).toBe(5n);
      expect(await client.deleteMulti(['m1', 'nope'])).toEqual(['nope']);
      expect(await client.getOrSet('gos', () => 'loaded')).toBe('loaded');
      await client.stats();
      await client.version();
      await client.metadump();
      expect([...calls].sort()).toEqual(
        [
          'arithmetic',
          'delete',
          'deleteMulti',
          'flushAll',
          'getMulti',
          'metadump',
          'retrieve',
          'setMulti',
          'stats',
          'store',
          'touch',
          'version',
        ].sort(),
      );
    } finally {
      await client.close();
    }
  });
});

describe('servers of one client may speak different dialects', () => {
  let a: Backend;
  let b: Backend;
  let proxyA: RecordingProxy;
  let proxyB: RecordingProxy;
  let client: Client;

  beforeAll(async () => {
    [a, b] = await Promise.all([startReal(), startReal()]);
    [proxyA, proxyB] = await Promise.all([startRecordingProxy(a), startRecordingProxy(b)]);
    client = new Client({ servers: [proxyA.address, proxyB.address], protocol: 'meta' });
    poolsOf(client)[1]!.dialect = textDialect;
  });
  afterAll(async () => {
    await client.close();
    await Promise.all([proxyA.close(), proxyB.close()]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('multi-key and single-key commands work across a meta and a text server', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key:${i}`);
    expect(await client.setMulti(keys.map((k) => [k, `v-${k}`] as const))).toEqual([]);
    const got = await client.getMulti(keys);
    expect(got.size).toBe(200);
    for (const k of keys) expect(got.get(k)).toBe(`v-${k}`);
    for (const k of keys.slice(0, 20)) {
      expect(await client.set(k, `w-${k}`)).toBe(true);
      expect(await client.get(k)).toBe(`w-${k}`);
      expect(await client.incr(`${k}:n`, 1)).toBeUndefined();
    }
    expect(await client.deleteMulti([...keys, 'key:none'])).toEqual(['key:none']);
    // Both servers held some keys, and only server A was spoken to in meta.
    expect(proxyA.sent()).toMatch(/^ms /m);
    expect(proxyB.sent()).toMatch(/^set /m);
    expect(proxyB.sent()).not.toMatch(/^m[gsdan] /m);
    expect(proxyB.sent()).not.toMatch(/^mn\r$/m);
  });

  it('a binary key is refused only by the server that cannot carry it', async () => {
    const onText: Uint8Array[] = [];
    const onMeta: Uint8Array[] = [];
    for (let i = 0; onText.length === 0 || onMeta.length === 0; i++) {
      const key = new Uint8Array([0, 1, i & 0xff, i >> 8]);
      try {
        expect(client.serverFor(key)).toBe(proxyA.address);
        onMeta.push(key);
      } catch (err) {
        expect(err).toMatchObject({ code: 'ERR_KEY_INVALID' });
        onText.push(key);
      }
    }
    expect(await client.set(onMeta[0]!, 'bin')).toBe(true);
    expect(await client.get(onMeta[0]!)).toBe('bin');
    await expect(client.set(onText[0]!, 'bin')).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
      message: /meta protocol/,
    });
  });
});
