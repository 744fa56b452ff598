/**
 * `all`/`length`/`clear`/`ids` with 1 of 2 servers down: the callback gets
 * an error, as express-session expects of a store that could not do the
 * whole job, and that error is the client's `PartialFailureError`
 * (ERR_PARTIAL_FAILURE) carrying what the live server gave in `partial`; never
 * a silent answer that leaves the down server's sessions out.
 */
import { Client, isPartialFailure, type PartialFailureError } from '@memkit/client';
import { getFreePort, type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemkitStore } from '../src/index';
import { errorOf, sessionFor, set } from './helpers';

let mc: MemcachedInstance;
let down: string;
let client: Client;
let store: MemkitStore;
let live: string[];
let dead: string[];

beforeAll(async () => {
  mc = await startMemcached();
  down = `127.0.0.1:${await getFreePort()}`;
  client = new Client({ servers: [mc.address, down], failureThreshold: 1_000_000 });
  store = new MemkitStore({ client, keyPrefix: 'pf:' });
  const sids = Array.from({ length: 20 }, (_, i) => `sid${i}`);
  live = sids.filter((s) => client.serverFor(`pf:${s}`) === mc.address);
  dead = sids.filter((s) => !live.includes(s));
  expect(live.length).toBeGreaterThan(2);
  expect(dead.length).toBeGreaterThan(2);
  for (const sid of live) await set(store, sid, sessionFor(60_000, { user: sid }));
});
afterAll(async () => {
  await client.close();
  await mc.stop();
});

function partialOf<T>(err: unknown): PartialFailureError<T> {
  expect(isPartialFailure(err), String(err)).toBe(true);
  const e = err as PartialFailureError<T>;
  expect(e.code).toBe('ERR_PARTIAL_FAILURE');
  expect(e.failures.map((f) => [f.server, f.error.code])).toEqual([[down, 'ERR_CONNECT']]);
  return e;
}

describe('listing with 1 of 2 servers down', () => {
  test('length: an error carrying the live server’s count', async () => {
    const err = partialOf<number>(await errorOf((cb) => store.length(cb)));
    expect(err.partial).toBe(live.length);
  });

  test('all: an error carrying the live server’s sessions', async () => {
    const err = partialOf<Record<string, { user: string }>>(await errorOf((cb) => store.all(cb)));
    expect(Object.keys(err.partial).sort()).toEqual([...live].sort());
    expect(err.partial[live[0]!]?.user).toBe(live[0]);
  });

  test('ids: rejects with the live server’s ids in partial', async () => {
    const err = partialOf<string[]>(await store.ids().catch((e: unknown) => e));
    expect([...err.partial].sort()).toEqual([...live].sort());
  });

  test('clear: clears the live server, and reports the one it could not reach', async () => {
    partialOf<undefined>(await errorOf((cb) => store.clear(cb)));
    const direct = new Client({ servers: [mc.address] });
    expect((await direct.getMulti(live.map((s) => `pf:${s}`))).size).toBe(0);
    await direct.close();
  });

  test('every server down: the underlying error', async () => {
    const none = new MemkitStore({ servers: [down, `127.0.0.1:${await getFreePort()}`] });
    for (const run of [
      (cb: (err?: unknown) => void) => none.length(cb),
      (cb: (err?: unknown) => void) => none.all(cb),
      (cb: (err?: unknown) => void) => none.clear(cb),
    ]) {
      expect(await errorOf(run)).toMatchObject({ code: 'ERR_CONNECT' });
    }
    await none.close();
  });
});
