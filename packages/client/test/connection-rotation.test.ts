/**
 * How a server's sockets share the traffic (connectionsPerServer, default 2):
 * the socket with requests outstanding takes every new one, so un-awaited
 * commands reach memcached in the order they were issued; only a server with
 * nothing outstanding sends its next command on its next socket.
 */
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';

describe('connectionsPerServer', () => {
  let server: MemcachedInstance;
  beforeAll(async () => {
    server = await startMemcached();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('defaults to 2 sockets, used in turn while the server is idle', async () => {
    const client = new Client({ servers: [server.address] });
    const connects: unknown[] = [];
    client.on('connect', (address) => connects.push(address));
    try {
      await client.set('rot', 'v');
      expect(connects).toHaveLength(1);
      await client.get('rot');
      expect(connects).toHaveLength(2);
      for (let i = 0; i < 10; i++) expect(await client.get('rot')).toBe('v');
      expect(connects).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  for (const connectionsPerServer of [2, 4]) {
    it(`${connectionsPerServer} sockets: un-awaited commands keep their order`, async () => {
      const client = new Client({ servers: [server.address], connectionsPerServer });
      try {
        // Open every socket first, so the burst below has several to choose from.
        for (let i = 0; i < connectionsPerServer; i++) await client.get('warm');
        for (let round = 0; round < 20; round++) {
          const key = `order-${connectionsPerServer}-${round}`;
          const writes: Array<Promise<unknown>> = [];
          for (let i = 0; i < 200; i++) writes.push(client.set(key, i));
          const read = client.get(key);
          const incr = client.incr(key, 1);
          const reread = client.get(key);
          await Promise.all(writes);
          expect(await read).toBe(199);
          expect(await incr).toBe(200n);
          expect(await reread).toBe(200);
        }
      } finally {
        await client.close();
      }
    });
  }
});
