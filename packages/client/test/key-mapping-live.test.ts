/**
 * `keyMapping: 'auto'` against a real memcached, through a recording proxy so
 * the checks look at what reached the server: for arbitrary strings (full
 * unicode, lone surrogates, 0-2,000 code units, the empty string), set → get
 * returns the value, distinct keys never read each other's values, the
 * multi-key commands agree, and no line sent contains a CR, LF, stray space
 * or control byte (every key arrives as exactly its mapped form).
 */
import { Buffer } from 'node:buffer';
import { RequestDecoder, type Request as ServerRequest } from '@memkit/protocol';
import {
  anyKey as anyKeyArbitrary,
  type MemcachedInstance,
  type RecordingProxy,
  startMemcached,
  startRecordingProxy,
  UNUSUAL_KEYS,
} from '@memkit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, mapKey } from '../src/index';

const anyKey = anyKeyArbitrary();
const NINE = UNUSUAL_KEYS;

/** The bytes memcached stores for `key` (what its request decoder reports), as latin1. */
function storedAs(key: string, prefix: string, meta: boolean): string {
  const { route } = mapKey(key, { prefix, binaryKeys: meta });
  return (typeof route === 'string' ? Buffer.from(route, 'utf8') : Buffer.from(route)).toString('latin1');
}

/** A command line: tokens of printable or non-ASCII bytes, single spaces between them. */
const LINE = /^[\x21-\x7e\x80-\xff]+( [\x21-\x7e\x80-\xff]+)*$/;

/**
 * Checks the recorded client→server bytes: every line is clean, the server's
 * own request decoder finds no bad command, and every key is one we meant.
 */
function checkSent(streams: Buffer[], allowed: Set<string>): number {
  let requests = 0;
  for (const bytes of streams) {
    if (bytes.length === 0) continue;
    const text = bytes.toString('latin1');
    expect(text.endsWith('\r\n')).toBe(true);
    for (const line of text.slice(0, -2).split('\r\n')) expect(line).toMatch(LINE);
    const decoder = new RequestDecoder();
    const seen: ServerRequest[] = [];
    decoder.feed(bytes, (r) => seen.push(r));
    expect(decoder.pending).toBe(false);
    for (const r of seen) {
      requests++;
      expect(r.type).not.toBe('bad');
      const keys = 'keys' in r ? r.keys : 'key' in r ? [r.key] : [];
      for (const k of keys) expect(allowed.has(k), `unexpected key ${JSON.stringify(k)}`).toBe(true);
    }
  }
  return requests;
}

let memcached: MemcachedInstance;
let proxy: RecordingProxy;

beforeAll(async () => {
  memcached = await startMemcached();
  proxy = await startRecordingProxy({ target: memcached });
});
afterAll(async () => {
  await proxy?.close();
  await memcached?.stop();
});

describe.each(['meta', 'text'] as const)("keyMapping: 'auto' over the %s protocol", (protocol) => {
  const meta = protocol === 'meta';
  let client: Client;
  let run = 0;

  beforeAll(() => {
    client = new Client({ servers: [proxy.address], protocol, keyMapping: 'auto', keyPrefix: 'lk:' });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('round-trips the nine keys of issue 22, each to its own value, nothing injected', async () => {
    proxy.clear();
    await client.set('victim', 'alive'); // what the smuggled commands in the keys aim at
    for (const [i, key] of NINE.entries()) expect(await client.set(key, `v${i}`)).toBe(true);
    for (const [i, key] of NINE.entries()) expect(await client.get(key)).toBe(`v${i}`);
    const hits = await client.getMulti(NINE);
    expect(NINE.map((k) => hits.get(k))).toEqual(NINE.map((_, i) => `v${i}`));
    expect(await client.get('victim')).toBe('alive');
    const allowed = new Set([...NINE, 'victim'].map((k) => storedAs(k, 'lk:', meta)));
    expect(checkSent(proxy.sent(), allowed)).toBeGreaterThanOrEqual(NINE.length * 2 + 2);
    expect(await client.deleteMulti(NINE)).toEqual([]);
    expect(await client.getMulti(NINE)).toEqual(new Map());
  });

  it('set → get returns the value and distinct keys never read each other (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anyKey, { minLength: 1, maxLength: 12 }), async (keys) => {
        run++;
        proxy.clear();
        const value = (i: number) => `r${run}:${i}`;
        // Singles and one batch, so both paths carry every kind of key.
        const half = Math.ceil(keys.length / 2);
        for (let i = 0; i < half; i++) expect(await client.set(keys[i]!, value(i))).toBe(true);
        const notStored = await client.setMulti(
          keys.slice(half).map((k, j) => [k, value(half + j)] as const),
        );
        expect(notStored).toEqual([]);
        for (const [i, key] of keys.entries()) expect(await client.get(key)).toBe(value(i));
        const hits = await client.getMulti(keys);
        expect(keys.map((k) => hits.get(k))).toEqual(keys.map((_, i) => value(i)));
        checkSent(proxy.sent(), new Set(keys.map((k) => storedAs(k, 'lk:', meta))));
        expect(await client.deleteMulti(keys)).toEqual([]);
        for (const key of keys) expect(await client.get(key)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('incr, touch, add, getOrSet and serverFor take mapped keys too', async () => {
    const key = `counter ${'c'.repeat(300)}`;
    await client.delete(key);
    expect(await client.add(key, '5')).toBe(true);
    expect(await client.incr(key, 2)).toBe(7n);
    expect(await client.touch(key, 60)).toBe(true);
    expect(await client.getOrSet('loaded once\r\n', () => 'L', { ttl: 60 })).toBe('L');
    expect(await client.getOrSet('loaded once\r\n', () => 'again', { ttl: 60 })).toBe('L');
    expect(client.serverFor('any key at all')).toBe(proxy.address);
    expect(client.mappedKey('a b')).toEqual(mapKey('a b', { prefix: 'lk:', binaryKeys: meta }));
  });
});

describe("keyMapping: 'auto' on a two-server cluster", () => {
  let other: MemcachedInstance;
  let client: Client;

  beforeAll(async () => {
    other = await startMemcached();
    client = new Client({ servers: [memcached.address, other.address], keyMapping: 'auto' });
  });
  afterAll(async () => {
    await client?.close();
    await other?.stop();
  });

  it('groups mapped keys by server; groups with a binary key go as quiet mg, the rest as get lines', async () => {
    const keys = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? `bin ${i}` : i % 3 === 1 ? `long-${i}-${'x'.repeat(300)}` : `plain-${i}`,
    );
    expect(await client.setMulti(keys.map((k, i) => [k, i] as const))).toEqual([]);
    const hits = await client.getMulti(keys);
    expect(keys.map((k) => hits.get(k))).toEqual(keys.map((_, i) => i));
    const servers = new Set(keys.map((k) => client.serverFor(k)));
    expect(servers.size).toBe(2);
    expect(await client.deleteMulti([...keys, 'never set'])).toEqual(['never set']);
  });
});

describe("keyMapping: 'strict' (the default) stays strict", () => {
  it('rejects invalid keys before sending, and an unknown mode at construction', async () => {
    const client = new Client({ servers: [memcached.address] });
    try {
      expect(client.keyMapping).toBe('strict');
      expect(client.mappedKey('ok')).toEqual({ form: 'text', wire: 'ok', base64: false, route: 'ok' });
      expect(() => client.mappedKey('not ok')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
      await expect(client.set('with space', 1)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
      await expect(client.getMulti(['x'.repeat(251)])).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    } finally {
      await client.close();
    }
    expect(() => new Client({ keyMapping: 'loose' as 'auto' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});

describe('withKeyOptions views', () => {
  it('share the connections and differ only in key handling; closing one closes the client', async () => {
    const client = new Client({ servers: [memcached.address], keyPrefix: 'root:' });
    const view = client.withKeyOptions({ keyPrefix: `${client.keyPrefix}v:`, keyMapping: 'auto' });
    expect(view).toBeInstanceOf(Client);
    expect([view.keyPrefix, view.keyMapping]).toEqual(['root:v:', 'auto']);
    expect([client.keyPrefix, client.keyMapping]).toEqual(['root:', 'strict']);
    await view.set('a b', 'through the view');
    await view.set('plain', 'p');
    expect(await client.get('v:plain')).toBe('p');
    expect(await client.get(Buffer.from('v:a b'))).toBe('through the view');
    expect(() => client.withKeyOptions({ keyMaping: 'auto' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    await view.close();
    await expect(client.get('v:plain')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('getOrSet never shares an in-flight call between a binary key and the text key equal to its base64', async () => {
    const client = new Client({ servers: [memcached.address], keyMapping: 'auto' });
    try {
      const binary = 'a b';
      const lookalike = mapKey(binary).wire; // 'YSBi': a valid text key of its own
      expect(mapKey(lookalike).form).toBe('text');
      await client.deleteMulti([binary, lookalike]);
      const [one, two] = await Promise.all([
        client.getOrSet(binary, async () => 'for a b', { ttl: 60 }),
        client.getOrSet(lookalike, async () => 'for YSBi', { ttl: 60 }),
      ]);
      expect([one, two]).toEqual(['for a b', 'for YSBi']);
    } finally {
      await client.close();
    }
  });
});
