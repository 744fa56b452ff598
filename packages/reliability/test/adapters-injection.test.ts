/**
 * Injection through the adapters: the shared hostile corpus of @memkit/testing through
 * KeyvMemkit (directly and under a real Keyv 6) and the express-session MemkitStore, every
 * operation they offer. The adapters map every key (mapKey of @memkit/client): each hostile key
 * is stored under its mapped form (as is when it is a valid key, else a binary key sent base64,
 * or the SHA-256 digest form), reads back exactly through every operation and, with a raw
 * socket, under that form; each hostile value round-trips; hostile namespaces and prefixes are
 * carried the same way. Afterwards a raw connection proves no injected command ran.
 *
 * These tests live here, not in @memkit/client, because the adapters depend on the client.
 */

import { Client, type MemkitError } from '@memkit/client';
import { MemkitStore } from '@memkit/express-session';
import { KeyvMemkit } from '@memkit/keyv';
import { isValidTextKey } from '@memkit/protocol';
import {
  HOSTILE_BYTES,
  HOSTILE_VALUES,
  hostileKeys,
  type MemcachedInstance,
  rawCommand,
  rawStats,
  rawStoreAccess,
  startMemcached,
} from '@memkit/testing';
import type { SessionData } from 'express-session';
import { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SENTINEL = 'adapter-injection-sentinel';
const SENTINEL_VALUE = 'untouched';
const KEYS = hostileKeys(SENTINEL);

let mc: MemcachedInstance;
let client: Client;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  client = new Client({ servers: [mc.address] });
  await rawStoreAccess(mc).set(SENTINEL, SENTINEL_VALUE);
});
afterAll(async () => {
  await client.close();
  await mc.stop();
});

/** `'ERR_KEY_INVALID'`, another code, or `'ok'` with the resolved value. */
async function outcome<T>(run: () => Promise<T>): Promise<{ code: string; value?: T }> {
  try {
    return { code: 'ok', value: await run() };
  } catch (err) {
    return { code: (err as MemkitError).code ?? String(err) };
  }
}

/** Every key memcached holds, read with a raw `lru_crawler metadump hash` (the walk that misses none). */
async function serverKeys(): Promise<string[]> {
  const dump = await rawCommand(mc, 'lru_crawler metadump hash\r\n', { idleMs: 200 });
  return [...dump.matchAll(/^key=(\S+)/gm)].map((m) => decodeURIComponent(m[1]!));
}

/** The bytes stored under a physical key as the adapters report it: a text key, or a binary key's raw bytes. */
async function rawGet(physical: string): Promise<string | undefined> {
  if (!/[\x00-\x20\x7f]/.test(physical)) return (await rawStoreAccess(mc).get(physical))?.toString('utf8');
  const token = Buffer.from(physical, 'utf8').toString('base64');
  const reply = await rawCommand(mc, `mg ${token} b v\r\n`);
  const head = /^VA (\d+)\r\n/.exec(reply);
  return head
    ? Buffer.from(reply, 'latin1')
        .subarray(head[0].length, head[0].length + Number(head[1]))
        .toString('utf8')
    : undefined;
}

describe('KeyvMemkit (adapter, Keyv 6 contract)', () => {
  let store: KeyvMemkit;
  beforeAll(() => {
    store = new KeyvMemkit(client, { namespace: 'inj', keyvVersion: 6 });
  });

  for (const c of KEYS) {
    it(`key with ${c.name}: stored under its mapped form, through every operation`, async () => {
      const value = `value for ${c.name}`;
      expect(await store.set(c.value, value)).toBe(true);
      const physical = await store.physicalKey(c.value);
      // A key that is valid with the namespace stays exactly as it is; one too long takes the digest form.
      const full = (await store.physicalKey('x')).slice(0, -1) + c.value;
      if (isValidTextKey(full)) expect(physical).toBe(full);
      if (Buffer.byteLength(full) > 250) expect(physical).toMatch(/^inj:#sha256:[A-Za-z0-9_-]{43}$/);
      expect(await rawGet(physical)).toBe(value);
      expect(await store.get(c.value)).toBe(value);
      expect(await store.getMany(['fine', c.value])).toEqual([undefined, value]);
      expect(await store.hasMany([c.value])).toEqual([true]);
      expect(await store.deleteMany([c.value])).toEqual([true]);
      expect(await store.has(c.value)).toBe(false);
      expect(await store.setMany([{ key: c.value, value }])).toEqual([true]);
      expect(await store.delete(c.value)).toBe(true);
      expect(await rawGet(physical)).toBeUndefined();
    });
  }

  it('hostile values and bytes round-trip exactly, one by one and in setMany/getMany', async () => {
    // The default serializer hands binary values back as Buffers.
    const asRead = (v: string | Uint8Array) => (typeof v === 'string' ? v : Buffer.from(v));
    const entries = [...HOSTILE_VALUES, ...HOSTILE_BYTES].map((c, i) => ({
      key: `v${i}`,
      value: asRead(c.value),
    }));
    for (const e of entries) {
      expect(await store.set(e.key, e.value)).toBe(true);
      expect(await store.get(e.key)).toEqual(e.value);
    }
    expect(await store.setMany(entries)).toEqual(entries.map(() => true));
    expect(await store.getMany(entries.map((e) => e.key))).toEqual(entries.map((e) => e.value));
    expect(await store.deleteMany(entries.map((e) => e.key))).toEqual(entries.map(() => true));
  });

  it('a hostile namespace or key prefix is carried safely (binary keys), and clear() works there', async () => {
    for (const options of [{ namespace: 'ns\r\nflush_all' }, { keyPrefix: 'p x ' }, { namespace: 'n\0' }]) {
      const odd = new KeyvMemkit(client, { ...options, keyvVersion: 6 });
      expect(await odd.set('k', 'v')).toBe(true);
      expect(await odd.get('k')).toBe('v');
      const physical = await odd.physicalKey('k');
      expect(await rawGet(physical)).toBe('v');
      await odd.clear();
      expect(await odd.get('k')).toBeUndefined();
      // clear() leaves the old item to age out; remove it so the final check sees no strays.
      const token = Buffer.from(physical, 'utf8').toString('base64');
      expect(await rawCommand(mc, `md ${token} b\r\n`)).toBe('HD\r\n');
    }
  });
});

describe('Keyv 6 + KeyvMemkit', () => {
  it('hostile keys round-trip (Keyv 6 refuses only the empty key itself); hostile values round-trip', async () => {
    const store = new KeyvMemkit(client);
    const keyv = new Keyv({ store, namespace: 'k6inj' });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    for (const c of KEYS) {
      errors.length = 0;
      const ok = await keyv.set(c.value, `value for ${c.name}`);
      // Keyv 6 refuses '' itself, before calling the store; every other key is stored.
      expect(ok, c.name).toBe(c.value !== '');
      if (ok) {
        expect(await keyv.get(c.value), c.name).toBe(`value for ${c.name}`);
        expect(await keyv.delete(c.value)).toBe(true);
      }
      expect(errors).toEqual([]);
    }
    for (const [i, c] of HOSTILE_VALUES.entries()) {
      expect(await keyv.set(`hv:${i}`, c.value), c.name).toBe(true);
      expect(await keyv.get(`hv:${i}`), c.name).toBe(c.value);
      expect(await keyv.delete(`hv:${i}`)).toBe(true);
    }
  });
});

describe('MemkitStore (express-session)', () => {
  let store: MemkitStore;
  beforeAll(() => {
    store = new MemkitStore({ client });
  });

  const session = (data: Record<string, unknown>): SessionData =>
    ({
      cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), path: '/' },
      ...data,
    }) as never;
  const call = <T>(run: (cb: (err: unknown, v?: T) => void) => void) =>
    outcome(
      () =>
        new Promise<T | undefined>((resolve, reject) => run((err, v) => (err ? reject(err) : resolve(v)))),
    );

  for (const c of KEYS) {
    it(`session id with ${c.name}: stored under its mapped form`, async () => {
      const data = session({ user: c.name });
      expect((await call((cb) => store.set(c.value, data, cb))).code).toBe('ok');
      const got = await call<SessionData | null>((cb) => store.get(c.value, cb));
      expect((got.value as { user?: string } | null)?.user).toBe(c.name);
      // Listing walks metadump (URL-encoded keys): the id comes back as it was given, unless it
      // was too long for memcached and stored in the digest form, which cannot be named.
      const digest = Buffer.byteLength(`sess:${c.value}`) > (c.valid ? 250 : 186);
      expect((await store.ids()).includes(c.value)).toBe(!digest);
      expect((await call((cb) => store.touch(c.value, data, cb))).code).toBe('ok');
      expect((await call((cb) => store.destroy(c.value, cb))).code).toBe('ok');
      expect((await call<SessionData | null>((cb) => store.get(c.value, cb))).value ?? null).toBeNull();
    });
  }

  it('hostile values in session fields round-trip exactly', async () => {
    const fields = Object.fromEntries(HOSTILE_VALUES.map((c) => [c.name, c.value]));
    expect((await call((cb) => store.set('hostile-fields', session(fields), cb))).code).toBe('ok');
    const got = (await call<SessionData | null>((cb) => store.get('hostile-fields', cb))).value;
    expect(got).toMatchObject(fields);
    expect((await call((cb) => store.destroy('hostile-fields', cb))).code).toBe('ok');
  });

  it('a hostile prefix is carried safely (binary keys)', async () => {
    const odd = new MemkitStore({ client, keyPrefix: 'sess:\r\nflush_all\r\n' });
    expect((await call((cb) => odd.set('sid', session({ odd: true }), cb))).code).toBe('ok');
    expect(
      ((await call<SessionData | null>((cb) => odd.get('sid', cb))).value as { odd?: boolean })?.odd,
    ).toBe(true);
    expect(await odd.ids()).toEqual(['sid']);
    expect((await call((cb) => odd.destroy('sid', cb))).code).toBe('ok');
  });
});

describe('afterwards, on the server', () => {
  it('no injected command ran: sentinel intact, no flush, no stray items', async () => {
    expect((await rawStoreAccess(mc).get(SENTINEL))?.toString('utf8')).toBe(SENTINEL_VALUE);
    expect((await rawStats(mc)).cmd_flush).toBe('0');
    // Only the sentinel and the Keyv namespace generation counters are left.
    const keys = await serverKeys();
    expect(keys).toContain(SENTINEL);
    for (const key of keys) expect(key === SENTINEL || key.endsWith(':__gen'), key).toBe(true);
  });
});
