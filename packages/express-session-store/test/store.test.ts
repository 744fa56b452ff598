import { Client } from '@memkit/client';
import { type MemcachedInstance, rawCommand, startMemcached, waitServerSeconds } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemkitStore } from '../src/index';
import { all, clear, DAY, destroy, errorOf, get, length, sessionFor, set, touch } from './helpers';

let mc: MemcachedInstance;
let store: MemkitStore;

/** `mg <key> t f v` over a raw socket: the stored bytes, flags and remaining TTL, or undefined. */
async function raw(key: string): Promise<{ ttl: number; flags: number; data: string } | undefined> {
  const reply = await rawCommand(mc, `mg ${key} t f v\r\n`);
  if (reply === 'EN\r\n') return undefined;
  const m = /^VA (\d+) (.*)\r\n([\s\S]*)\r\n$/.exec(reply);
  if (!m) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  const flags = Object.fromEntries(m[2]!.split(' ').map((f) => [f[0], Number(f.slice(1))]));
  return { ttl: flags.t!, flags: flags.f!, data: m[3]! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  store = new MemkitStore({ servers: [mc.address] });
});
afterAll(async () => {
  await store.close();
  await mc.stop();
});

describe('get / set / destroy', () => {
  test('a session round-trips and is stored as JSON text (flags 16) under the prefix', async () => {
    const s = sessionFor(60_000, { user: 'ada', views: 3 });
    await set(store, 'rt', s);
    expect(await get(store, 'rt')).toEqual(JSON.parse(JSON.stringify(s)));
    const stored = await raw('sess:rt');
    expect(stored?.flags).toBe(16);
    expect(stored?.data).toBe(JSON.stringify(s));
    expect(stored?.ttl).toBeGreaterThan(55);
    expect(stored?.ttl).toBeLessThanOrEqual(60);
  });

  test('a session connect-memcached wrote (JSON text, flags 0) reads back', async () => {
    const legacy = JSON.stringify(sessionFor(60_000, { user: 'old' }));
    const reply = await rawCommand(mc, `set sess:legacy 0 60 ${Buffer.byteLength(legacy)}\r\n${legacy}\r\n`);
    expect(reply).toBe('STORED\r\n');
    expect(await get(store, 'legacy')).toMatchObject({ user: 'old' });
  });

  test('a missing session is null, not an error', async () => {
    expect(await get(store, 'never-set')).toBeNull();
  });

  test('destroy deletes the session; destroying a missing one is fine', async () => {
    await set(store, 'gone', sessionFor(60_000));
    await destroy(store, 'gone');
    expect(await raw('sess:gone')).toBeUndefined();
    expect(await get(store, 'gone')).toBeNull();
    await destroy(store, 'gone');
  });

  test('a cookie maxAge of 31 days survives (memcached would read 31 days in seconds as 1970)', async () => {
    await set(store, 'long', sessionFor(31 * DAY, { user: 'bob' }));
    expect(await get(store, 'long')).toMatchObject({ user: 'bob' });
    const stored = await raw('sess:long');
    // memcached reports the remaining seconds: about 31 days, not "expired" or "forever" (-1).
    expect(stored!.ttl).toBeGreaterThan(31 * 24 * 3600 - 10);
    expect(stored!.ttl).toBeLessThanOrEqual(31 * 24 * 3600 + 1);
  });

  test('a browser-session cookie (no maxAge) lives one day', async () => {
    await set(store, 'browser', sessionFor(null));
    const stored = await raw('sess:browser');
    expect(stored!.ttl).toBeGreaterThan(24 * 3600 - 10);
    expect(stored!.ttl).toBeLessThanOrEqual(24 * 3600);
  });

  test('a short maxAge expires (rounded up to whole seconds, never "forever")', async () => {
    // 1.2 s rounds up to 2 s. memcached's clock ticks once a second, so the item lives 1-2 s
    // and reports 1 or 2 seconds left; 0 or -1 would mean "forever".
    await set(store, 'short', sessionFor(1200));
    const ttl = (await raw('sess:short'))!.ttl;
    expect(ttl).toBeGreaterThanOrEqual(1);
    expect(ttl).toBeLessThanOrEqual(2);
    expect(await get(store, 'short')).not.toBeNull();
    // Over once memcached's own clock moved 3 s (2 s + its once-a-second tick), however loaded the machine.
    await waitServerSeconds(mc, 3);
    expect(await get(store, 'short')).toBeNull();
  });

  test('setting an already expired session deletes it instead of storing it', async () => {
    await set(store, 'stale', sessionFor(60_000));
    await set(store, 'stale', sessionFor(-1000));
    expect(await raw('sess:stale')).toBeUndefined();
  });

  test('the ttl option overrides the cookie; a function gets the session', async () => {
    const fixed = new MemkitStore({ client: store.client, ttl: 5 * 60_000, keyPrefix: 'ttl:' });
    await set(fixed, 'a', sessionFor(31 * DAY));
    expect((await raw('ttl:a'))!.ttl).toBeLessThanOrEqual(300);
    const byRole = new MemkitStore({
      client: store.client,
      keyPrefix: 'ttl:',
      ttl: (s) => ((s as unknown as { admin?: boolean }).admin ? 1200 : 120_000),
    });
    await set(byRole, 'admin', sessionFor(DAY, { admin: true }));
    await set(byRole, 'user', sessionFor(DAY));
    expect((await raw('ttl:admin'))!.ttl).toBeLessThanOrEqual(2);
    expect((await raw('ttl:user'))!.ttl).toBeGreaterThan(100);
  });
});

describe('touch', () => {
  test('touch extends the life without rewriting the stored bytes', async () => {
    const original = sessionFor(1200, { views: 1 });
    await set(store, 'touched', original);
    const before = await raw('sess:touched');
    expect(before!.ttl).toBeLessThanOrEqual(2);
    // express-session touches with the session it has in memory, which may differ from the
    // stored one; the store must only move the expiry.
    await touch(store, 'touched', sessionFor(60_000, { views: 99 }));
    const after = await raw('sess:touched');
    expect(after!.data).toBe(before!.data);
    expect(after!.flags).toBe(16);
    expect(after!.ttl).toBeGreaterThan(55);
    // Past the original 2 s on memcached's own clock: only the touch keeps it.
    await waitServerSeconds(mc, 3);
    expect(await get(store, 'touched')).toMatchObject({ views: 1 });
  });

  test('touch with a 31-day cookie keeps the session for 31 days', async () => {
    await set(store, 'touch-long', sessionFor(60_000));
    await touch(store, 'touch-long', sessionFor(31 * DAY));
    expect((await raw('sess:touch-long'))!.ttl).toBeGreaterThan(31 * 24 * 3600 - 10);
  });

  test('touch of a missing session does not create it', async () => {
    await touch(store, 'touch-missing', sessionFor(60_000));
    expect(await raw('sess:touch-missing')).toBeUndefined();
  });

  test('touch with an expired cookie deletes the session', async () => {
    await set(store, 'touch-expired', sessionFor(60_000));
    await touch(store, 'touch-expired', sessionFor(-1));
    expect(await raw('sess:touch-expired')).toBeUndefined();
  });

  test('disableTouch leaves the expiry alone', async () => {
    const noTouch = new MemkitStore({ client: store.client, disableTouch: true });
    await set(noTouch, 'no-touch', sessionFor(30_000));
    await touch(noTouch, 'no-touch', sessionFor(31 * DAY));
    expect((await raw('sess:no-touch'))!.ttl).toBeLessThanOrEqual(30);
  });
});

describe('disableTTL', () => {
  test('sessions are stored without expiry, touch is a no-op, an expired cookie reads as missing', async () => {
    const forever = new MemkitStore({ client: store.client, keyPrefix: 'forever:', disableTTL: true });
    await set(forever, 'a', sessionFor(60_000, { n: 1 }));
    expect((await raw('forever:a'))!.ttl).toBe(-1);
    await touch(forever, 'a', sessionFor(60_000));
    expect((await raw('forever:a'))!.ttl).toBe(-1);
    expect(await get(forever, 'a')).toMatchObject({ n: 1 });

    // A session whose cookie expired while memcached kept it: missing, and deleted.
    const stale = sessionFor(60_000, { n: 2 }) as unknown as { cookie: { expires: Date } };
    stale.cookie.expires = new Date(Date.now() - 1000);
    await store.client.set('forever:stale', JSON.stringify(stale));
    expect(await get(forever, 'stale')).toBeNull();
    expect(await raw('forever:stale')).toBeUndefined();

    await set(forever, 'b', sessionFor(-1));
    expect(await raw('forever:b')).toBeUndefined();
  });

  test('ttl and disableTTL together are rejected', () => {
    expect(() => new MemkitStore({ client: store.client, ttl: 1000, disableTTL: true })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('all / length / clear / ids with other keys in the same memcached', () => {
  test('only this prefix is listed, counted and cleared', async () => {
    const mine = new MemkitStore({ client: store.client, keyPrefix: 'listing:' });
    const other = new MemkitStore({ client: store.client, keyPrefix: 'listing-other:' });
    const plain = new Client({ servers: [mc.address] });
    try {
      await plain.set('listing', 'not a session');
      await plain.set('unrelated:1', { a: 1 });
      await plain.set('sess', 'no prefix at all');
      await set(other, 'x', sessionFor(60_000, { who: 'other' }));
      for (const sid of ['a', 'b', 'c']) await set(mine, sid, sessionFor(60_000, { sid }));

      expect(await length(mine)).toBe(3);
      expect((await mine.ids()).sort()).toEqual(['a', 'b', 'c']);
      const sessions = await all(mine);
      expect(Object.keys(sessions).sort()).toEqual(['a', 'b', 'c']);
      expect(sessions.b).toMatchObject({ sid: 'b' });

      await destroy(mine, 'b');
      expect(await length(mine)).toBe(2);

      await clear(mine);
      expect(await length(mine)).toBe(0);
      expect(await all(mine)).toEqual({});
      expect(await length(other)).toBe(1);
      expect(await plain.get('listing')).toBe('not a session');
      expect(await plain.get('unrelated:1')).toEqual({ a: 1 });
      expect(await plain.get('sess')).toBe('no prefix at all');
    } finally {
      await plain.close();
    }
  });

  test('all/length/clear walk more keys than one batch', async () => {
    const many = new MemkitStore({ client: store.client, keyPrefix: 'many:' });
    const entries = Array.from({ length: 1200 }, (_, i) => [`many:${i}`, JSON.stringify(sessionFor(60_000))]);
    expect(await store.client.setMulti(entries as [string, string][], { ttl: 60 })).toEqual([]);
    expect(await length(many)).toBe(1200);
    expect(Object.keys(await all(many))).toHaveLength(1200);
    await clear(many);
    expect(await length(many)).toBe(0);
  });

  test('listing while other requests run on the store: every call succeeds', async () => {
    const busy = new MemkitStore({ servers: [mc.address], keyPrefix: 'busy:' });
    try {
      // a and b are read and written during the walks; c and d are left alone. memcached's LRU
      // walk (`metadump all`) missed items that were just read, touched or rewritten, and once
      // (beside a benchmark) all four; the client walks the hash table, which lists each item once
      // (memcached >= 1.6.9), so every session is counted and listed in every round.
      for (const sid of ['a', 'b', 'c', 'd']) await set(busy, sid, sessionFor(60_000, { sid }));
      for (let round = 0; round < 5; round++) {
        const [n, got, sessions, n2] = await Promise.all([
          length(busy),
          get(busy, 'a'),
          all(busy),
          length(busy),
          touch(busy, 'b', sessionFor(60_000)),
          set(busy, 'a', sessionFor(60_000, { sid: 'a', round })),
        ]);
        expect([n, n2]).toEqual([4, 4]);
        expect(got).toMatchObject({ sid: 'a' });
        expect(Object.keys(sessions).sort()).toEqual(['a', 'b', 'c', 'd']);
        expect(sessions.c).toMatchObject({ sid: 'c' });
      }
      for (const [sid, session] of Object.entries(await all(busy))) expect(session).toMatchObject({ sid });
    } finally {
      await busy.close();
    }
  });

  test('a server with the LRU crawler disabled gives a clear ERR_UNSUPPORTED to the callback', async () => {
    const noCrawler = await startMemcached({ memoryMb: 16, args: ['-o', 'no_lru_crawler'] });
    const s = new MemkitStore({ servers: [noCrawler.address] });
    try {
      await set(s, 'a', sessionFor(60_000));
      for (const err of [
        await errorOf((cb) => s.length(cb)),
        await errorOf((cb) => s.all(cb)),
        await errorOf((cb) => s.clear(cb)),
      ]) {
        expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED' });
        expect((err as Error).message).toMatch(/LRU crawler/);
      }
      // The rest of the store still works.
      expect(await get(s, 'a')).not.toBeNull();
    } finally {
      await s.close();
      await noCrawler.stop();
    }
  });
});

describe('errors reach the callback', () => {
  test('a session ID that is not a string is ERR_KEY_INVALID, before anything is sent (any string works: session-ids.test.ts)', async () => {
    for (const sid of [undefined, 42, null, { toString: () => 'x' }] as unknown as string[]) {
      expect(await errorOf((cb) => store.get(sid, cb))).toMatchObject({ code: 'ERR_KEY_INVALID' });
      expect(await errorOf((cb) => store.set(sid, sessionFor(1000), cb))).toMatchObject({
        code: 'ERR_KEY_INVALID',
      });
    }
  });

  test('a stored value that is not a session is ERR_UNSERIALIZABLE', async () => {
    await store.client.set('sess:garbage', '{not json');
    await store.client.set('sess:number', 42);
    expect(await errorOf((cb) => store.get('garbage', cb))).toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
    expect(await errorOf((cb) => store.get('number', cb))).toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
  });

  test('a session JSON cannot encode is an error, not a throw', async () => {
    const circular = sessionFor(1000) as unknown as Record<string, unknown>;
    circular.self = circular;
    const err = await errorOf((cb) => store.set('circular', circular as never, cb));
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });

  test('a memcached outage reaches the callback, and the store recovers after a restart', async () => {
    const outage = await startMemcached({ memoryMb: 16 });
    const s = new MemkitStore({ servers: [outage.address] });
    try {
      await set(s, 'before', sessionFor(60_000));
      await outage.stop();
      const errors = [
        await errorOf((cb) => s.get('before', cb)),
        await errorOf((cb) => s.set('during', sessionFor(60_000), cb)),
        await errorOf((cb) => s.touch('before', sessionFor(60_000), cb)),
        await errorOf((cb) => s.destroy('before', cb)),
        await errorOf((cb) => s.length(cb)),
      ];
      for (const err of errors) {
        expect(err).toMatchObject({ name: 'MemkitError' });
        expect(['ERR_CONNECT', 'ERR_CONNECTION_CLOSED']).toContain((err as { code: string }).code);
      }
      await outage.restart();
      // The client reconnects with a backoff of at most 2 s (the wait is generous: a loaded machine).
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await set(s, 'after', sessionFor(60_000, { back: true }));
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(100);
        }
      }
      expect(await get(s, 'after')).toMatchObject({ back: true });
    } finally {
      await s.close();
      await outage.stop();
    }
  });
});

describe('options', () => {
  test('client and servers together are rejected', () => {
    expect(() => new MemkitStore({ client: store.client, servers: [mc.address] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  test('a store never closes a client it was given', async () => {
    const given = new MemkitStore({ client: store.client });
    await given.close();
    await set(store, 'still-open', sessionFor(1000));
  });

  test('a custom serializer is used both ways and its text is stored as is', async () => {
    const upper = new MemkitStore({
      client: store.client,
      keyPrefix: 'ser:',
      serializer: {
        stringify: (s) => `v1|${JSON.stringify(s)}`,
        parse: (text) => JSON.parse(text.slice(3)),
      },
    });
    await set(upper, 'a', sessionFor(60_000, { n: 1 }));
    expect((await raw('ser:a'))!.data.startsWith('v1|{')).toBe(true);
    expect(await get(upper, 'a')).toMatchObject({ n: 1 });
  });
});
