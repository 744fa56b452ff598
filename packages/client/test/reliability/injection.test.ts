/**
 * Injection: the shared hostile corpus (@memkit/testing `hostileKeys`, `HOSTILE_VALUES`,
 * `HOSTILE_BYTES`) through every command, in both protocols. Invalid keys are rejected with
 * ERR_KEY_INVALID before a single byte is sent (the client talks through a proxy that counts
 * bytes), or travel base64-encoded as binary keys in meta mode; hostile values and numbers
 * cannot reach the wire unchecked. Afterwards a raw connection and `stats` prove that no
 * injected command ran: the sentinel is intact, nothing was flushed, no stray item exists.
 */
import {
  type FaultProxy,
  HOSTILE_BYTES,
  HOSTILE_VALUES,
  hostileKeys,
  type MemcachedInstance,
  rawCommand,
  rawStats,
  rawStoreAccess,
  startFaultProxy,
  startMemcached,
} from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError, rawSerializer } from '../../src/index';

const SENTINEL = 'injection-sentinel';
const SENTINEL_VALUE = 'untouched';
const KEYS = hostileKeys(SENTINEL);
const SUFFIX = '\r\nEND\r\nflush_all\r\n';

let mc: MemcachedInstance;
let proxy: FaultProxy;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  proxy = await startFaultProxy({ target: mc });
  await rawStoreAccess(mc).set(SENTINEL, SENTINEL_VALUE);
});
afterAll(async () => {
  await proxy.close();
  await mc.stop();
});

/** Every keyed command of the client, applied to `key`. */
function everyCommand(client: Client, key: string | Uint8Array): Array<[string, () => Promise<unknown>]> {
  const loader = () => {
    throw new Error('the loader must not run for an invalid key');
  };
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['get', () => client.get(key)],
    ['gets', () => client.gets(key)],
    ['gat', () => client.gat(key, 10)],
    ['gats', () => client.gats(key, 10)],
    ['set', () => client.set(key, 'v')],
    ['add', () => client.add(key, 'v')],
    ['replace', () => client.replace(key, 'v')],
    ['append', () => client.append(key, 'v')],
    ['prepend', () => client.prepend(key, 'v')],
    ['cas', () => client.cas(key, 'v', 1n)],
    ['delete', () => client.delete(key)],
    ['incr', () => client.incr(key, 1)],
    ['decr', () => client.decr(key, 1)],
    ['touch', () => client.touch(key, 10)],
  ];
  if (typeof key === 'string') {
    calls.push(
      ['getOrSet', () => client.getOrSet(key, loader)],
      ['getMulti', () => client.getMulti(['fine', key])],
      ['setMulti', () => client.setMulti([['fine', 'v'] as const, [key, 'v'] as const])],
      ['deleteMulti', () => client.deleteMulti(['fine', key])],
    );
  }
  return calls;
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'resolved';
  } catch (err) {
    return (err as MemkitError).code ?? String(err);
  }
}

/** The sentinel and stats as a raw connection sees them. */
async function expectNothingInjected(): Promise<void> {
  expect((await rawStoreAccess(mc).get(SENTINEL))?.toString('utf8')).toBe(SENTINEL_VALUE);
  const stats = await rawStats(mc);
  expect(stats.cmd_flush).toBe('0');
  for (const stray of ['x', 'X', 'b', 'z', 'auth']) {
    expect(await rawCommand(mc, `mg ${stray} v\r\n`), stray).toBe('EN\r\n');
  }
}

for (const protocol of ['meta', 'text'] as const) {
  describe(`hostile input (${protocol})`, () => {
    let client: Client;
    beforeAll(() => {
      client = new Client({ servers: [proxy.address], protocol });
    });
    afterAll(async () => {
      await client.close();
    });

    describe('invalid keys: ERR_KEY_INVALID from every command, nothing sent', () => {
      for (const c of KEYS.filter((k) => !k.valid)) {
        it(`key with ${c.name}`, async () => {
          await client.version(); // the connection is open: any later byte would be counted
          const sent = proxy.stats.bytesClientToServer;
          for (const [name, call] of everyCommand(client, c.value)) {
            expect(`${name}: ${await codeOf(call)}`).toBe(`${name}: ERR_KEY_INVALID`);
          }
          expect(proxy.stats.bytesClientToServer).toBe(sent);
        });
      }
    });

    describe('the same keys as bytes: base64 in meta (up to 186 bytes), rejected in text', () => {
      for (const c of KEYS.filter((k) => k.value !== '')) {
        it(`binary key with ${c.name}`, async () => {
          const key = Buffer.from(c.value, 'utf8');
          if (protocol === 'text' || key.length > 186) {
            const sent = proxy.stats.bytesClientToServer;
            for (const [name, call] of everyCommand(client, key)) {
              expect(`${name}: ${await codeOf(call)}`).toBe(`${name}: ERR_KEY_INVALID`);
            }
            expect(proxy.stats.bytesClientToServer).toBe(sent);
            return;
          }
          expect(await client.set(key, `bin:${c.name}`)).toBe(true);
          expect(await client.get(key)).toBe(`bin:${c.name}`);
          // On the server it is the base64 token, nothing else.
          const raw = await rawCommand(mc, `mg ${key.toString('base64')} b v\r\n`);
          expect(raw).toContain(`bin:${c.name}`);
          expect(await client.delete(key)).toBe(true);
        });
      }
    });

    describe('valid keys that look dangerous are stored under exactly that name', () => {
      for (const c of KEYS.filter((k) => k.valid)) {
        it(`key ${c.name}`, async () => {
          expect(await client.set(c.value, `value of ${c.name}`)).toBe(true);
          expect(await client.get(c.value)).toBe(`value of ${c.name}`);
          const raw = await rawStoreAccess(mc).get(c.value);
          expect(raw?.toString('utf8')).toBe(`value of ${c.name}`);
          expect(await client.delete(c.value)).toBe(true);
        });
      }
    });

    it('a hostile keyPrefix is refused: the client option at construction, a per-call one with every key', async () => {
      const sent = proxy.stats.bytesClientToServer;
      expect(
        () => new Client({ servers: [proxy.address], protocol, keyPrefix: 'p\r\nflush_all\r\n' }),
      ).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/keyPrefix/) }),
      );
      await expect(client.getMulti(['a'], { keyPrefix: 'x y' })).rejects.toMatchObject({
        code: 'ERR_KEY_INVALID',
      });
      await expect(client.setMulti([['a', 1]], { keyPrefix: 'x\ny' })).rejects.toMatchObject({
        code: 'ERR_KEY_INVALID',
      });
      expect(proxy.stats.bytesClientToServer).toBe(sent);
    });

    describe('hostile values round-trip byte for byte', () => {
      for (const c of HOSTILE_VALUES) {
        it(`value with ${c.name}`, async () => {
          const key = `hv:${protocol}:${c.name.replaceAll(' ', '_')}`;
          expect(await client.set(key, c.value)).toBe(true);
          expect(await client.get(key)).toBe(c.value);
          expect((await rawStoreAccess(mc).get(key))?.equals(Buffer.from(c.value, 'utf8'))).toBe(true);
          expect(await client.append(key, SUFFIX)).toBe(true);
          expect(await client.prepend(key, SUFFIX)).toBe(true);
          expect(await client.get(key)).toBe(SUFFIX + c.value + SUFFIX);
          expect(await client.delete(key)).toBe(true);
        });
      }
      for (const c of HOSTILE_BYTES) {
        it(`bytes: ${c.name}`, async () => {
          const key = `hb:${protocol}:${c.name.replaceAll(' ', '_')}`;
          expect(await client.set(key, c.value)).toBe(true);
          expect(Buffer.compare((await client.get<Buffer>(key))!, c.value)).toBe(0);
          expect(await client.delete(key)).toBe(true);
        });
      }
      it('all of them at once, pipelined in one setMulti / getMulti', async () => {
        const entries = HOSTILE_VALUES.map((c, i) => [`hm:${protocol}:${i}`, c.value] as const);
        expect(await client.setMulti(entries)).toEqual([]);
        expect(new Map(await client.getMulti(entries.map(([k]) => k)))).toEqual(new Map(entries));
        expect(await client.deleteMulti(entries.map(([k]) => k))).toEqual([]);
      });
    });

    it('numbers and tokens that would reach the command line are checked', async () => {
      const sent = proxy.stats.bytesClientToServer;
      const hostile = '1\r\nflush_all' as unknown as number;
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['ttl string', () => client.set('k', 'v', { ttl: hostile })],
        ['ttl NaN', () => client.set('k', 'v', { ttl: Number.NaN })],
        ['ttl Infinity', () => client.touch('k', Number.POSITIVE_INFINITY)],
        ['gat ttl', () => client.gat('k', hostile)],
        ['delta string', () => client.incr('k', hostile)],
        ['delta negative', () => client.decr('k', -1)],
        ['delta fraction', () => client.incr('k', 1.5)],
        ['delta 2^64', () => client.incr('k', 2n ** 64n)],
        ['cas string', () => client.cas('k', 'v', hostile as unknown as bigint)],
        ['cas negative', () => client.cas('k', 'v', -1n)],
        ['stats argument', () => client.stats('items\r\nflush_all')],
        ['stats argument with a space', () => client.stats('items flush_all')],
        ['flush delay', () => client.flushAll(hostile)],
      ];
      for (const [name, call] of cases) {
        expect(`${name}: ${await codeOf(call)}`).toBe(`${name}: ERR_INVALID_ARGUMENT`);
      }
      expect(proxy.stats.bytesClientToServer).toBe(sent);
      // Flags come from serializers: a hostile one cannot print into the command line either.
      for (const flags of [hostile, Number.NaN, -1, 2 ** 32]) {
        const raw = new Client({ servers: [proxy.address], protocol, serializer: rawSerializer });
        const evil = new Client({
          servers: [proxy.address],
          protocol,
          serializer: { serialize: () => ({ bytes: Buffer.from('v'), flags }), deserialize: (b) => b },
        });
        try {
          await expect(raw.set('k', { bytes: Buffer.from('v'), flags })).rejects.toMatchObject({
            code: 'ERR_INVALID_ARGUMENT',
          });
          await expect(evil.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
        } finally {
          await raw.close();
          await evil.close();
        }
      }
      expect(proxy.stats.bytesClientToServer).toBe(sent);
    });

    it('the server shows that no injected command ran', async () => {
      await expectNothingInjected();
      // Everything the tests stored was deleted again: only the sentinel is left.
      expect((await rawStats(mc)).curr_items).toBe('1');
    });
  });
}
