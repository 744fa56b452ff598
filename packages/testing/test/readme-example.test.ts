// The README's example, kept runnable: if this file changes, update README.md to match.
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type FaultProxy,
  type MemcachedInstance,
  rawCommand,
  startFaultProxy,
  startMemcached,
} from '../src/index';

let mc: MemcachedInstance;
let proxy: FaultProxy;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  proxy = await startFaultProxy({ target: mc });
});
afterAll(async () => {
  await proxy.close();
  await mc.stop();
});

test('a reply cut in the middle reaches the client as a short read, then a close', async () => {
  expect(await rawCommand(mc, 'set greeting 0 0 11\r\nhello world\r\n')).toBe('STORED\r\n');

  await proxy.set({ cutAfterBytes: 20 });
  const reply = await rawCommand(proxy, 'get greeting\r\n');

  expect(reply).toBe('VALUE greeting 0 11\r\n'.slice(0, 20));
  expect(proxy.stats.faults.cut).toBe(1);
});
