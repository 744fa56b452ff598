/**
 * The shared store contract: one vitest suite that every
 * memkit adapter (Keyv, express-session, NestJS) runs against a real
 * memcached, instead of three hand-written ones. It checks what users of an
 * adapter rely on and what adapters historically got wrong: hostile values
 * round-trip byte for byte, hostile keys are either rejected before anything
 * is sent or stored exactly (never a protocol desync), sub-second TTLs expire
 * on the server instead of living forever, 31-day TTLs do not expire at once,
 * and delete removes the item.
 *
 * The keys and values come from the shared hostile corpus (hostile.ts).
 * Server state is checked with raw sockets (`rawStoreAccess`), never through
 * the adapter under test.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMemkitError, isValidTextKey, MemkitError } from '@memkit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_VALUES, hostileKeys } from './hostile';
import { type RawTarget, rawCommand } from './memcached/raw';

/** Reads and writes the server directly, bypassing the adapter under test. */
export interface RawStoreAccess {
  /** The item's bytes, or `undefined` when the server has no live item. */
  get(physicalKey: string): Promise<Buffer | undefined>;
  /** The item's remaining TTL in seconds (`-1`: no expiry), or `undefined` when missing. */
  ttl(physicalKey: string): Promise<number | undefined>;
  /** Stores `value` (flags 0, no expiry) under `physicalKey`. */
  set(physicalKey: string, value: string): Promise<void>;
}

/**
 * The adapter as the contract drives it. Values are strings; an adapter whose
 * native values are objects (sessions) wraps them. Each method may reject
 * only with a `MemkitError`.
 */
export interface StoreUnderTest {
  /** Stores `value` under `key`; `ttlMs` in milliseconds, absent = no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<unknown>;
  /** The value stored under `key` (the same string), or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Removes `key`. */
  delete(key: string): Promise<unknown>;
  /** The memcached key the adapter uses for `key` right now (prefix, namespace, ...). */
  physicalKey(key: string): string | Promise<string>;
  /** Raw access to the server the adapter writes to; see {@link rawStoreAccess}. */
  raw: RawStoreAccess;
  /** Releases the adapter (and its client) after the suite. */
  close?(): Promise<void>;
}

/** Raw get/ttl/set for `target` (a `MemcachedInstance` is one), over a fresh socket each. */
export function rawStoreAccess(target: RawTarget): RawStoreAccess {
  const mg = async (physicalKey: string) => {
    const reply = await rawCommand(target, Buffer.from(`mg ${physicalKey} v t\r\n`, 'utf8'));
    if (reply.startsWith('EN\r\n')) return undefined;
    const head = /^VA (\d+)((?: \S+)*)\r\n/.exec(reply);
    if (!head)
      throw new MemkitError('ERR_PROTOCOL', `unexpected reply to mg: ${JSON.stringify(reply.slice(0, 80))}`);
    const start = head[0].length;
    const bytes = Buffer.from(reply.slice(start, start + Number(head[1])), 'latin1');
    const ttl = /\bt(-?\d+)/.exec(head[2] ?? '');
    return { bytes, ttl: ttl ? Number(ttl[1]) : -1 };
  };
  return {
    get: async (k) => (await mg(k))?.bytes,
    ttl: async (k) => (await mg(k))?.ttl,
    set: async (k, value) => {
      const data = Buffer.from(value, 'utf8');
      const head = Buffer.from(`set ${k} 0 0 ${data.length}\r\n`, 'utf8');
      const reply = await rawCommand(target, Buffer.concat([head, data, Buffer.from('\r\n')]));
      if (reply !== 'STORED\r\n')
        throw new MemkitError('ERR_SERVER', `raw set failed: ${JSON.stringify(reply)}`);
    },
  };
}

/** Rejection with ERR_KEY_INVALID, or `undefined` when the call resolved. */
async function keyRejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (err) {
    return err;
  }
}

/**
 * Registers the store contract as a vitest `describe` block named `name`.
 * `factory` runs once (in `beforeAll`) and returns the adapter under test
 * connected to a real memcached; `close()` runs in `afterAll`.
 *
 * @example
 * describeStoreContract('KeyvMemkit', async () => {
 *   const adapter = new KeyvMemkit(client);
 *   return {
 *     set: (k, v, ttl) => adapter.set(k, v, ttl),
 *     get: (k) => adapter.get(k),
 *     delete: (k) => adapter.delete(k),
 *     physicalKey: (k) => adapter.physicalKey(k),
 *     raw: rawStoreAccess(memcached),
 *   };
 * });
 */
export function describeStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    let store: StoreUnderTest;
    const run = randomBytes(4).toString('hex');
    const sentinel = `memkit-contract-sentinel-${run}`;
    const sentinelValue = `sentinel ${run}`;
    const key = (suffix: string) => `contract-${run}-${suffix}`;

    async function expectHealthy(): Promise<void> {
      // No desync: a plain round trip still works and the sentinel was not touched.
      await store.set(key('probe'), 'still fine');
      expect(await store.get(key('probe'))).toBe('still fine');
      expect((await store.raw.get(sentinel))?.toString('utf8')).toBe(sentinelValue);
    }

    beforeAll(async () => {
      store = await factory();
      await store.raw.set(sentinel, sentinelValue);
    });
    afterAll(async () => {
      await store?.close?.();
    });

    describe('hostile values round-trip exactly', () => {
      for (const c of HOSTILE_VALUES) {
        it(`value with ${c.name}`, async () => {
          const k = key(`value-${c.name.replaceAll(' ', '-')}`);
          await store.set(k, c.value);
          expect(await store.get(k)).toBe(c.value);
          await expectHealthy();
        });
      }
    });

    describe('hostile keys are rejected with ERR_KEY_INVALID or stored exactly', () => {
      for (const c of hostileKeys(sentinel)) {
        it(`key with ${c.name}`, async () => {
          const value = `value for ${c.name}`;
          // A valid key must be stored unless the adapter's prefix pushes it past 250 bytes.
          const mustStore = c.valid === true && isValidTextKey(await store.physicalKey(c.value));
          const err = await keyRejection(() => store.set(c.value, value));
          if (err === undefined) {
            expect(await store.get(c.value)).toBe(value);
            await store.delete(c.value);
            expect(await store.get(c.value)).toBeUndefined();
          } else {
            expect(mustStore, `valid key rejected: ${String(err)}`).toBe(false);
            expect(isMemkitError(err, 'ERR_KEY_INVALID'), String(err)).toBe(true);
            // A rejected key must not be readable either: rejected again, or a plain miss.
            let read: unknown;
            const readErr = await keyRejection(async () => {
              read = await store.get(c.value);
            });
            if (readErr === undefined) expect(read).toBeUndefined();
            else expect(isMemkitError(readErr, 'ERR_KEY_INVALID'), String(readErr)).toBe(true);
          }
          await expectHealthy();
        });
      }
    });

    describe('TTLs are milliseconds, rounded up to whole seconds', () => {
      it('1 ms is on the server right after the set and gone within ~2 s (never "forever")', async () => {
        const k = key('ttl-1ms');
        const physical = await store.physicalKey(k);
        // memcached's clock ticks once a second, so a 1 s item set just before a tick can be gone
        // a few ms later. Retry then: an item that expired at once every time is the bug looked for.
        let ttl: number | undefined;
        for (let attempt = 0; attempt < 3 && ttl === undefined; attempt++) {
          await store.set(k, 'short', 1);
          ttl = await store.raw.ttl(physical);
        }
        expect(ttl).toBeDefined();
        expect(ttl!).toBeGreaterThanOrEqual(0);
        expect(ttl!).toBeLessThanOrEqual(1);
        const deadline = Date.now() + 3000;
        while ((await store.raw.get(physical)) !== undefined && Date.now() < deadline) await sleep(100);
        expect(await store.raw.get(physical)).toBeUndefined();
        expect(await store.get(k)).toBeUndefined();
      });

      it('31 days survives and keeps a TTL over 30 days', async () => {
        const k = key('ttl-31d');
        const days31 = 31 * 24 * 3600 * 1000;
        await store.set(k, 'long', days31);
        expect(await store.get(k)).toBe('long');
        const ttl = await store.raw.ttl(await store.physicalKey(k));
        expect(ttl).toBeGreaterThan(30 * 24 * 3600);
        // Sent as an absolute time; memcached's once-a-second clock can add a second or two.
        expect(ttl).toBeLessThanOrEqual(31 * 24 * 3600 + 2);
      });

      it('no TTL means no expiry', async () => {
        const k = key('ttl-none');
        await store.set(k, 'forever');
        expect(await store.raw.ttl(await store.physicalKey(k))).toBe(-1);
      });
    });

    describe('delete', () => {
      it('removes the item from the server', async () => {
        const k = key('delete');
        await store.set(k, 'doomed');
        const physical = await store.physicalKey(k);
        expect((await store.raw.get(physical))?.length).toBeGreaterThan(0);
        await store.delete(k);
        expect(await store.get(k)).toBeUndefined();
        expect(await store.raw.get(physical)).toBeUndefined();
        await expectHealthy();
      });
    });
  });
}

/** Anything that reports failures as `'error'` events (Keyv does). */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  off(event: 'error', listener: (err: unknown) => void): unknown;
}

/**
 * Runs `op` and rejects with the first `'error'` event `emitter` raised
 * meanwhile. Keyv reports store errors as events and resolves anyway; the
 * contract wants them as rejections.
 */
export async function surfaceErrors<T>(emitter: ErrorEmitter, op: () => Promise<T>): Promise<T> {
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  emitter.on('error', onError);
  try {
    const result = await op();
    if (errors.length > 0) throw errors[0];
    return result;
  } finally {
    emitter.off('error', onError);
  }
}
