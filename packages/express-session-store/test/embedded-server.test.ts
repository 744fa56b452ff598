/** The store on @memkit/server, the embedded default of the sample apps: listing and touch work there too. */
import { Client } from '@memkit/client';
import { type MemkitServer, startServer } from '@memkit/server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MemkitStore } from '../src/index';
import { all, clear, DAY, get, length, sessionFor, set, touch } from './helpers';

let server: MemkitServer;
let store: MemkitStore;
let plain: Client;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  store = new MemkitStore({ servers: [server.address] });
  plain = new Client({ servers: [server.address] });
});
afterAll(async () => {
  await plain.close();
  await store.close();
  await server.close();
});

test('sessions, a 31-day cookie, touch, and prefix-scoped all/length/clear', async () => {
  await plain.set('other:key', 'keep me');
  await set(store, 'a', sessionFor(31 * DAY, { n: 1 }));
  await set(store, 'b', sessionFor(60_000, { n: 2 }));
  await touch(store, 'b', sessionFor(31 * DAY, { n: 99 }));
  expect(await get(store, 'a')).toMatchObject({ n: 1 });
  expect(await get(store, 'b')).toMatchObject({ n: 2 });
  expect(await length(store)).toBe(2);
  expect(Object.keys(await all(store)).sort()).toEqual(['a', 'b']);
  await clear(store);
  expect(await length(store)).toBe(0);
  expect(await plain.get('other:key')).toBe('keep me');
});
