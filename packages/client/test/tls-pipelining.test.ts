/**
 * Pipelined writes over TLS against real memcached (1.6.18 here: its TLS
 * reader can leave the commands at the end of a burst inside OpenSSL and
 * wait for the socket, fixed upstream in 1.6.39). Every burst must finish
 * well within the timeout with nothing else sent to wake the server up, and
 * read back byte for byte.
 */
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';

describe('TLS pipelining (memcached -Z)', () => {
  let server: MemcachedInstance;
  let client: Client;

  beforeAll(async () => {
    server = await startMemcached({ tls: true, memoryMb: 256, maxItemSize: '2m' });
    const tls = server.tls!;
    // A stalled burst would wait for this timeout: long enough for a loaded machine, far below
    // what a test run allows, and it fails the test instead of passing slowly.
    client = new Client({
      servers: [server.address],
      tls: { ca: tls.ca, servername: tls.servername },
      timeout: 4000,
    });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  const value = (i: number, size: number) => `${i}:`.padEnd(size, String.fromCharCode(0x61 + (i % 26)));

  it('bursts of 1 to 64 concurrent 10 KB sets, then a get, complete without a stall', async () => {
    for (let n = 1; n <= 64; n++) {
      const sets = Array.from({ length: n }, (_, i) => client.set(`tls-b:${i}`, value(n * 64 + i, 10_240)));
      const [results, last] = await Promise.all([Promise.all(sets), client.get(`tls-b:${n - 1}`)]);
      expect(results.every((r) => r === true)).toBe(true);
      expect(last).toBe(value(n * 64 + n - 1, 10_240));
    }
  });

  it('mixed sizes, bytes and text, sets and gets interleaved', async () => {
    const sizes = [1, 100, 4_000, 10_240, 16_370, 16_384, 16_400, 30_000, 70_000, 200_000];
    for (let round = 0; round < 10; round++) {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const size = sizes[(i + round) % sizes.length]!;
        const v = i % 3 === 0 ? Buffer.from(value(i, size)) : value(i, size);
        calls.push(client.set(`tls-m:${round}:${i}`, v));
        if (i % 5 === 0) calls.push(client.get(`tls-m:${round}:${i - 5}`));
      }
      await Promise.all(calls);
      for (let i = 0; i < 40; i += 7) {
        const got = await client.get(`tls-m:${round}:${i}`);
        const expected = value(i, sizes[(i + round) % sizes.length]!);
        expect(Buffer.isBuffer(got) ? got.toString() : got).toBe(expected);
      }
    }
  });

  it('a setMulti of 100 values of 10 KB (one request written over several TLS writes)', async () => {
    for (let round = 0; round < 5; round++) {
      const entries = Array.from(
        { length: 100 },
        (_, i) => [`tls-s:${i}`, value(round + i, 10_240)] as const,
      );
      expect(await client.setMulti(entries)).toEqual([]);
      const got = await client.getMulti(entries.map(([k]) => k));
      for (const [k, v] of entries) expect(got.get(k)).toBe(v);
    }
  });
});
