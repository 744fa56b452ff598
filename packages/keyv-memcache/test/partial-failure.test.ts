/**
 * A server that cannot be reached is an error, never a miss or a "not
 * deleted": with 1 of 2 servers down the adapter emits the client's
 * ERR_PARTIAL_FAILURE as an 'error' event (Keyv re-emits it) and returns what
 * the live server answered; with every server down it rejects (Keyv 6 then
 * emits the error and answers false / undefined, its own convention).
 */
import { Client, isPartialFailure, type MemkitError, type PartialFailureError } from '@memkit/client';
import { getFreePort, type MemcachedInstance, startMemcached } from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';

let mc: MemcachedInstance;
let down: string;
let other: string;
const clients: Client[] = [];

beforeAll(async () => {
  mc = await startMemcached();
  down = `127.0.0.1:${await getFreePort()}`;
  other = `127.0.0.1:${await getFreePort()}`;
});
afterAll(() => mc.stop());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A client over `servers` that never marks a server dead (its keys stay its own). */
function open(servers: string[]): Client {
  const client = new Client({ servers, failureThreshold: 1_000_000 });
  clients.push(client);
  return client;
}

/** A store on the live + down pair, in a namespace whose generation counter lives on the live server. */
async function halfDown(): Promise<{ store: KeyvMemkit; client: Client; live: string[]; dead: string[] }> {
  const client = open([mc.address, down]);
  let n = 0;
  while (client.serverFor(`ns${n}:__gen`) !== mc.address) n++;
  const store = new KeyvMemkit(client, { namespace: `ns${n}`, keyvVersion: 6 });
  const live: string[] = [];
  const dead: string[] = [];
  for (let i = 0; i < 40; i++) {
    const key = `k${i}`;
    (client.serverFor(await store.physicalKey(key)) === mc.address ? live : dead).push(key);
  }
  expect(live.length).toBeGreaterThan(3);
  expect(dead.length).toBeGreaterThan(3);
  return { store, client, live, dead };
}

function errors(store: KeyvMemkit): MemkitError[] {
  const seen: MemkitError[] = [];
  store.on('error', (e: MemkitError) => seen.push(e));
  return seen;
}

describe('1 of 2 servers down', () => {
  it("getMany: the live server's values, undefined for the others, and an 'error' event", async () => {
    const { store, live, dead } = await halfDown();
    const seen = errors(store);
    await store.setMany(live.map((key) => ({ key, value: `v-${key}` })));
    const keys = [...live, ...dead];
    expect(await store.getMany(keys)).toEqual([...live.map((k) => `v-${k}`), ...dead.map(() => undefined)]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.code).toBe('ERR_PARTIAL_FAILURE');
    expect((seen[0] as PartialFailureError).failures.flatMap((f) => f.keys)).toEqual(dead);
    expect(await store.hasMany(keys)).toEqual(keys.map((k) => live.includes(k)));
  });

  it('setMany and deleteMany: false for the down server’s keys, with an error event', async () => {
    const { store, live, dead } = await halfDown();
    const seen = errors(store);
    const keys = [...dead.slice(0, 2), ...live.slice(0, 3), ...dead.slice(2, 3)];
    const expected = keys.map((k) => live.includes(k));
    expect(await store.setMany(keys.map((key) => ({ key, value: 1 })))).toEqual(expected);
    expect(await store.deleteMany(keys)).toEqual(expected);
    expect(seen.map((e) => e.code)).toEqual(['ERR_PARTIAL_FAILURE', 'ERR_PARTIAL_FAILURE']);
    for (const e of seen)
      expect((e as PartialFailureError).failures.flatMap((f) => f.keys)).toEqual(
        keys.filter((k) => !live.includes(k)),
      );
  });

  it('through Keyv 6: the error reaches keyv.on("error")', async () => {
    const { store, live, dead } = await halfDown();
    const keyv = new Keyv6({ store });
    const seen: unknown[] = [];
    keyv.on('error', (e) => seen.push(e));
    await keyv.set(live[0]!, 'here');
    expect(await keyv.deleteMany([live[0]!, dead[0]!])).toEqual([true, false]);
    expect(seen).toHaveLength(1);
    expect(isPartialFailure(seen[0])).toBe(true);
  });

  it('without an error listener the partial failure rejects, carrying what is known', async () => {
    const { store, live, dead } = await halfDown();
    await store.set(live[0]!, 'here');
    const err = await store.getMany([live[0]!, dead[0]!]).catch((e: unknown) => e);
    expect(isPartialFailure(err)).toBe(true);
    expect((err as PartialFailureError<unknown[]>).partial).toEqual(['here', undefined]);
  });

  it('a single key on the down server rejects: never a miss', async () => {
    const { store, dead } = await halfDown();
    errors(store);
    await expect(store.get(dead[0]!)).rejects.toMatchObject({ code: 'ERR_CONNECT', server: down });
    await expect(store.has(dead[0]!)).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    await expect(store.getMany([dead[0]!, dead[1]!])).rejects.toMatchObject({ code: 'ERR_CONNECT' });
  });
});

describe('every server down', () => {
  it('deleteMany rejects instead of reporting the keys as not deleted', async () => {
    const store = new KeyvMemkit(open([down, other]), { keyvVersion: 6 });
    await expect(store.deleteMany(['a', 'b'])).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    await expect(store.setMany([{ key: 'a', value: 1 }])).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    await expect(store.getMany(['a', 'b'])).rejects.toMatchObject({ code: 'ERR_CONNECT' });
  });

  it('Keyv 6 emits the error (and answers false, its convention)', async () => {
    const keyv = new Keyv6({ store: new KeyvMemkit(open([down, other])) });
    const seen: unknown[] = [];
    keyv.on('error', (e) => seen.push(e));
    expect(await keyv.deleteMany(['a', 'b'])).toEqual([false, false]);
    expect(seen.map((e) => (e as MemkitError).code)).toEqual(['ERR_CONNECT']);
  });
});
