/**
 * The recording proxy: forwards both directions unchanged, records what each
 * connection sent, forgets on `clear()`, and closes its sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemcachedInstance, rawCommand, startMemcached, startRecordingProxy } from '../src/index';

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached();
});
afterAll(async () => {
  await mc?.stop();
});

describe('startRecordingProxy', () => {
  it('forwards requests and replies unchanged and records the requests per connection', async () => {
    const proxy = await startRecordingProxy({ target: mc });
    try {
      expect(await rawCommand(proxy, 'set rec 0 0 5\r\nhello\r\n')).toBe('STORED\r\n');
      expect(await rawCommand(proxy, 'get rec\r\n')).toBe('VALUE rec 0 5\r\nhello\r\nEND\r\n');
      expect(proxy.sent().map((b) => b.toString())).toEqual(['set rec 0 0 5\r\nhello\r\n', 'get rec\r\n']);
      proxy.clear();
      expect(proxy.sent().map((b) => b.length)).toEqual([0, 0]);
      expect(await rawCommand(proxy, 'delete rec\r\n')).toBe('DELETED\r\n');
      expect(proxy.sent().map((b) => b.toString())).toEqual(['', '', 'delete rec\r\n']);
      expect(await rawCommand(mc, 'get rec\r\n')).toBe('END\r\n');
    } finally {
      await proxy.close();
    }
    await expect(rawCommand(proxy, 'version\r\n')).rejects.toThrow();
  });
});
