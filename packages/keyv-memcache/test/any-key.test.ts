/**
 * Every string Keyv hands over is a key (issue 22): the nine keys of the
 * issue through Keyv 5 and Keyv 6, the forms they take in memcached (checked
 * with raw sockets), every Keyv operation on mapped keys (getMany, setMany,
 * deleteMany, has, hasMany, TTLs, raw mode, namespace clear, iteration), and
 * a property test over arbitrary strings whose traffic goes through a
 * recording proxy (no sent line carries a CR, LF, stray space or control byte).
 */
import { createHash } from 'node:crypto';
import { Client } from '@memkit/client';
import { RequestDecoder } from '@memkit/protocol';
import { anyKey, rawCommand, rawStoreAccess, startRecordingProxy, UNUSUAL_KEYS } from '@memkit/testing';
import fc from 'fast-check';
import type { Keyv as Keyv6 } from 'keyv';
import type Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, KEYV_VERSIONS, startBackend } from './helpers';

const NINE = [...UNUSUAL_KEYS];

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

const VERSIONS = KEYV_VERSIONS;

describe.each(VERSIONS)('the nine keys of issue 22 through $name', ({ name, Keyv, version }) => {
  const ns = `nine${version}`;
  let keyv: Keyv6;
  let store: KeyvMemkit;
  const errors: unknown[] = [];
  // Keyv 6 refuses the empty key itself (set resolves false, get undefined) before calling any store.
  const usable = version === 6 ? NINE.filter((k) => k !== '') : NINE;

  beforeAll(async () => {
    store = new KeyvMemkit(backend.client);
    keyv = new Keyv({ store, namespace: ns });
    keyv.on('error', (e) => errors.push(e));
    await rawStoreAccess(backend.memcached).set('victim', 'untouched');
  });

  it(`round-trips ${version === 5 ? 'all 9' : '8 of 9 (Keyv 6 refuses "" itself)'}, each to its own value`, async () => {
    let roundTrips = 0;
    for (const [i, key] of NINE.entries()) {
      await keyv.set(key, { i, key });
      if ((await keyv.get(key))?.i === i) roundTrips++;
    }
    expect(roundTrips).toBe(usable.length);
    expect(errors).toEqual([]);
    if (version === 6) {
      expect(await keyv.set('', 1)).toBe(false);
      // The adapter itself, in the Keyv 6 contract, takes "" like any key.
      expect(await store.set('', 'direct', undefined)).toBe(true);
      expect(await store.get('')).toBe('direct');
    }
    expect((await rawStoreAccess(backend.memcached).get('victim'))?.toString()).toBe('untouched');
    console.log(`${name}: ${roundTrips} of ${NINE.length} keys round-trip`);
  });

  it('getMany, has, hasMany, setMany and deleteMany work on mapped keys', async () => {
    await keyv.setMany(usable.map((key, i) => ({ key, value: `m${i}` })));
    expect(await keyv.getMany(usable)).toEqual(usable.map((_, i) => `m${i}`));
    for (const key of usable) expect(await keyv.has(key)).toBe(true);
    expect(await keyv.store.hasMany(usable.map((k) => (version === 5 ? `${ns}:${k}` : k)))).toEqual(
      usable.map(() => true),
    );
    expect(await keyv.deleteMany(usable.slice(0, 4))).toEqual(
      version === 6 ? [true, true, true, true] : true,
    );
    expect(await keyv.getMany(usable)).toEqual(usable.map((_, i) => (i < 4 ? undefined : `m${i}`)));
    expect(await keyv.delete(usable[6]!)).toBe(true);
    expect(await keyv.get(usable[6]!)).toBeUndefined();
    expect(await keyv.get(usable[7]!)).toBe('m7');
  });

  it('TTLs reach memcached for every form of key, and raw mode returns the entry', async () => {
    for (const key of usable) {
      await keyv.set(key, 'ttl', 120_000);
      const physical = await store.physicalKey(version === 5 ? `${ns}:${key}` : key);
      const ttl = await ttlOf(physical);
      expect(ttl, JSON.stringify(key.slice(0, 20))).toBeGreaterThan(110);
      expect(ttl).toBeLessThanOrEqual(121);
      const entry =
        version === 6 ? await keyv.getRaw(key) : await (keyv as unknown as Keyv5).get(key, { raw: true });
      expect(entry).toMatchObject({ value: 'ttl', expires: expect.any(Number) });
    }
  });

  it('clear() (a generation bump) empties the namespace for mapped keys, other namespaces keep theirs', async () => {
    const other = new Keyv({ store: new KeyvMemkit(backend.client), namespace: `${ns}-other` });
    await keyv.setMany(usable.map((key) => ({ key, value: 'before' })));
    await other.setMany(usable.map((key) => ({ key, value: 'other' })));
    await keyv.clear();
    expect(await keyv.getMany(usable)).toEqual(usable.map(() => undefined));
    expect(await other.getMany(usable)).toEqual(usable.map(() => 'other'));
    await keyv.set(usable[5]!, 'after');
    expect(await keyv.get(usable[5]!)).toBe('after');
  });
});

/** The remaining TTL of a physical key: text keys by name, binary keys (raw bytes with spaces) by base64. */
async function ttlOf(physical: string): Promise<number | undefined> {
  const text = !/[\x00-\x20\x7f]/.test(physical);
  const token = text ? physical : Buffer.from(physical, 'utf8').toString('base64');
  const reply = await rawCommand(backend.memcached, Buffer.from(`mg ${token}${text ? '' : ' b'} t\r\n`));
  const m = /^HD t(-?\d+)/.exec(reply);
  return m ? Number(m[1]) : undefined;
}

describe('the forms keys take in memcached (read back without memkit)', () => {
  it('valid keys stay as they are; others are binary keys or the digest of the full key under the namespace', async () => {
    const store = new KeyvMemkit(backend.client, { keyvVersion: 6, namespace: 'forms', keyPrefix: 'app:' });
    for (const key of NINE) await store.set(key, `v:${key.length}`);
    const gen = (await store.physicalKey('x')).split(':')[2]!;
    const raw = rawStoreAccess(backend.memcached);
    // As is.
    expect((await raw.get(`app:forms:${gen}:ünïcødé`))?.toString()).toBe('v:7');
    // Binary: the raw bytes, sent base64 with the b flag.
    const b64 = Buffer.from(`app:forms:${gen}:with space`).toString('base64');
    expect(await rawCommand(backend.memcached, Buffer.from(`mg ${b64} b v\r\n`))).toBe('VA 4\r\nv:10\r\n');
    // Digest: SHA-256 of the full key, base64url, under the same prefix and namespace.
    for (const key of NINE.slice(6)) {
      const digest = createHash('sha256').update(`app:forms:${gen}:${key}`).digest('base64url');
      expect((await raw.get(`app:forms:#sha256:${digest}`))?.toString()).toBe(`v:${key.length}`);
      expect(await store.physicalKey(key)).toBe(`app:forms:#sha256:${digest}`);
    }
    expect(await store.physicalKey('with space')).toBe(`app:forms:${gen}:with space`);
  });

  it('includes the client key prefix, which counts towards the 250 bytes', async () => {
    const client = new Client({ servers: [backend.memcached.address], keyPrefix: 'tenant-7:' });
    try {
      const store = new KeyvMemkit(client, { keyvVersion: 6, namespace: 'cp' });
      await store.set('k'.repeat(230), 'long');
      const physical = await store.physicalKey('k'.repeat(230));
      expect(physical).toMatch(/^tenant-7:cp:#sha256:[A-Za-z0-9_-]{43}$/);
      expect((await rawStoreAccess(backend.memcached).get(physical))?.toString()).toBe('long');
      expect(await store.get('k'.repeat(230))).toBe('long');
      const seen: string[] = [];
      await store.set('short', 's');
      await store.set('a b', 'ab');
      for await (const [key] of store.iterator()) seen.push(key);
      // The digest form cannot be named (a hash does not give the key back); the others are listed.
      expect(seen.sort()).toEqual(['a b', 'short']);
    } finally {
      await client.close();
    }
  });
});

describe("with a client on protocol: 'text'", () => {
  it('keys that would be binary take the digest form, and all nine round-trip through Keyv 5', async () => {
    const client = new Client({ servers: [backend.memcached.address], protocol: 'text' });
    try {
      const store = new KeyvMemkit(client);
      const keyv = new KEYV_VERSIONS[0].Keyv({ store, namespace: 'text' });
      for (const [i, key] of NINE.entries()) expect(await keyv.set(key, i)).toBe(true);
      expect(await keyv.getMany(NINE)).toEqual(NINE.map((_, i) => i));
      expect(await store.physicalKey('text:with space')).toMatch(/^text:#sha256:[A-Za-z0-9_-]{43}$/);
      expect(await store.physicalKey('text:ünïcødé')).toMatch(/^text:[0-9a-z]+:ünïcødé$/);
    } finally {
      await client.close();
    }
  });
});

const anyKeys = anyKey();
const LINE = /^[\x21-\x7e\x80-\xff]+( [\x21-\x7e\x80-\xff]+)*$/;

describe.each(VERSIONS)('arbitrary keys through $name (fast-check, recording proxy)', ({ Keyv, version }) => {
  it('set → get returns the value, distinct keys never read each other, every sent line is clean', async () => {
    const proxy = await startRecordingProxy({ target: backend.memcached });
    const client = new Client({ servers: [proxy.address] });
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(anyKeys, { minLength: 1, maxLength: 10 }), async (drawn) => {
          // Keyv 6 refuses the empty key before the store (see above).
          const keys = version === 6 ? drawn.filter((k) => k !== '') : drawn;
          if (keys.length === 0) return;
          run++;
          const keyv = new Keyv({ store: new KeyvMemkit(client), namespace: `p${version}-${run}` });
          const errors: unknown[] = [];
          keyv.on('error', (e) => errors.push(e));
          const half = Math.ceil(keys.length / 2);
          for (let i = 0; i < half; i++) expect(await keyv.set(keys[i]!, i)).toBe(true);
          await keyv.setMany(keys.slice(half).map((key, j) => ({ key, value: half + j })));
          for (const [i, key] of keys.entries()) expect(await keyv.get(key)).toBe(i);
          expect(await keyv.getMany(keys)).toEqual(keys.map((_, i) => i));
          await keyv.deleteMany(keys);
          expect(await keyv.getMany(keys)).toEqual(keys.map(() => undefined));
          expect(errors).toEqual([]);
        }),
        { numRuns: 40 },
      );
      for (const bytes of proxy.sent()) {
        const text = bytes.toString('latin1');
        const lines = text.slice(0, -2).split('\r\n');
        // Values are Keyv's JSON (printable ASCII without CR/LF here), so every line is a command or a value.
        for (const line of lines) expect(line).toMatch(/^[\x20-\x7e\x80-\xff]+$/);
        const commands = lines.filter((l) => /^(mg|ms|md|ma|mn|get)( |$)/.test(l));
        for (const line of commands) expect(line).toMatch(LINE);
        let bad = 0;
        new RequestDecoder().feed(bytes, (r) => {
          if (r.type === 'bad') bad++;
        });
        expect(bad).toBe(0);
      }
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
