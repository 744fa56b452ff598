/**
 * The TTL and value defects of @keyv/memcache, through real Keyv 5 and Keyv 6
 * instances on a real memcached, checked on the server with raw commands:
 * 31-day TTLs survive, sub-second TTLs expire (instead of living forever), no
 * TTL means no expiry, and Keyv's serialized string is stored as is.
 */
import { rawCommand, rawStoreAccess, waitServerSeconds } from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, startBackend } from './helpers';

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

const DAY = 24 * 3600;

/** What these tests use of either Keyv version. */
interface AnyKeyv {
  namespace?: string | undefined;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  get(key: string): Promise<unknown>;
}

const versions = [
  {
    name: 'Keyv 5',
    make: (store: KeyvMemkit): AnyKeyv => new Keyv5({ store, namespace: 'ttl5' }),
    // Keyv 5 passes a negative TTL through to the store.
    setExpired: (keyv: AnyKeyv, key: string) => keyv.set(key, 'new', -1),
  },
  {
    name: 'Keyv 6',
    make: (store: KeyvMemkit): AnyKeyv => new Keyv6({ store, namespace: 'ttl6' }),
    // Keyv 6 reads a negative TTL as "no expiry"; a past expiry comes through setRaw.
    setExpired: (keyv: AnyKeyv, key: string) =>
      (keyv as Keyv6).setRaw(key, { value: 'new', expires: Date.now() - 1000 }),
  },
] as const;

describe.each(versions)('$name', ({ make, setExpired }) => {
  it('a 31-day TTL survives and is sent as a TTL over 30 days', async () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = make(store);
    await keyv.set('month', 'still here', 31 * DAY * 1000);
    expect(await keyv.get('month')).toBe('still here');
    const ttl = await rawStoreAccess(backend.memcached).ttl(await store.physicalKey(keyNs(keyv, 'month')));
    expect(ttl).toBeGreaterThan(30 * DAY);
    expect(ttl).toBeLessThanOrEqual(31 * DAY + 2); // absolute time, memcached ticks once a second
  });

  it("a 300 ms TTL is gone once the server's clock moved 2 s (rounded up to 1 s, not stored forever)", async () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = make(store);
    await keyv.set('blink', 'short', 300);
    const physical = await store.physicalKey(keyNs(keyv, 'blink'));
    const raw = rawStoreAccess(backend.memcached);
    expect(await raw.ttl(physical)).toBeGreaterThanOrEqual(0);
    expect(await raw.ttl(physical)).toBeLessThanOrEqual(1);
    // memcached's own clock, not a wall-clock margin: a 1 s TTL is over once it moved 2 s.
    await waitServerSeconds(backend.memcached, 2);
    expect(await raw.get(physical)).toBeUndefined();
    expect(await keyv.get('blink')).toBeUndefined();
  });

  it('no TTL means no expiry on the server', async () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = make(store);
    await keyv.set('forever', 1);
    expect(await rawStoreAccess(backend.memcached).ttl(await store.physicalKey(keyNs(keyv, 'forever')))).toBe(
      -1,
    );
  });

  it("stores Keyv's serialized string as is (text flag 16, serialized once)", async () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = make(store);
    await keyv.set('user', { name: 'Ada', tags: ['x'] });
    const physical = await store.physicalKey(keyNs(keyv, 'user'));
    const reply = await rawCommand(backend.memcached, `mg ${physical} f v\r\n`);
    const [head, body] = reply.split('\r\n');
    expect(head).toMatch(/^VA \d+ f16$/);
    expect(JSON.parse(body!).value).toEqual({ name: 'Ada', tags: ['x'] });
  });

  it('an entry set with an already passed expiry removes the old value', async () => {
    const store = new KeyvMemkit(backend.client);
    const keyv = make(store);
    await keyv.set('gone', 'old');
    await setExpired(keyv, 'gone');
    const physical = await store.physicalKey(keyNs(keyv, 'gone'));
    expect(await rawStoreAccess(backend.memcached).get(physical)).toBeUndefined();
  });
});

describe('raw values (serialization off)', () => {
  it('Keyv 6 with serialization: false stores its envelope through the client serializer', async () => {
    const keyv = new Keyv6({
      store: new KeyvMemkit(backend.client),
      namespace: 'raw6',
      serialization: false,
    });
    await keyv.set('obj', { a: 1 }, 60_000);
    expect(await keyv.get('obj')).toEqual({ a: 1 });
  });

  it('Keyv 5 without serialize stores its envelope through the client serializer', async () => {
    const keyv = new Keyv5({
      store: new KeyvMemkit(backend.client),
      namespace: 'raw5',
      serialize: undefined,
      deserialize: undefined,
    });
    await keyv.set('obj', { a: 1 }, 60_000);
    expect(await keyv.get('obj')).toEqual({ a: 1 });
  });
});

describe('large values follow the client compression', () => {
  it('compresses with minCompressLength and reads back', async () => {
    const store = new KeyvMemkit({ servers: [backend.memcached.address], minCompressLength: 1024 });
    const keyv = new Keyv6({ store, namespace: 'zip' });
    const big = 'memcached '.repeat(50_000);
    await keyv.set('big', big);
    expect(await keyv.get('big')).toBe(big);
    const physical = await store.physicalKey('big');
    const [head] = (await rawCommand(backend.memcached, `mg ${physical} f s\r\n`)).split('\r\n');
    const size = Number(/ s(\d+)/.exec(head!)![1]);
    const flags = Number(/ f(\d+)/.exec(head!)![1]);
    expect(flags & 8).toBe(8);
    expect(size).toBeLessThan(big.length / 10);
    await keyv.disconnect();
  });
});

/** The key as this Keyv version hands it to the store (Keyv 5 prefixes the namespace). */
function keyNs(keyv: AnyKeyv, key: string): string {
  return keyv instanceof Keyv5 ? `${keyv.namespace}:${key}` : key;
}
