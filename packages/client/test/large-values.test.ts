/**
 * Large values against real memcached (`-I 32m`), over TCP and TLS: a 16 MiB
 * value comes back byte for byte, a Buffer result is the one buffer the value
 * was received in, and the socket reads the value straight into that buffer
 * (the decoder is fed at most the first read's worth of it from anywhere
 * else), so no second copy waits for the garbage collector. Values of every
 * size around the read-buffer boundaries round-trip too.
 */
import { ReplyDecoder } from '@memkit/protocol';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '../src/index';

const MiB = 1024 * 1024;
const MAX = 32 * MiB - 1024;

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4096) b.fill((seed + i / 4096) & 0xff, i, Math.min(size, i + 4096));
  // Protocol text inside a value must not confuse anything.
  if (size > 64) b.write('\r\nEND\r\nVA 1 f0\r\n', size >> 1, 'latin1');
  return b;
}

for (const transport of ['tcp', 'tls'] as const) {
  describe(`large values over ${transport}`, () => {
    let server: MemcachedInstance;
    let client: Client;

    beforeAll(async () => {
      server = await startMemcached({ tls: transport === 'tls', memoryMb: 256, maxItemSize: '32m' });
      const tls = server.tls && { ca: server.tls.ca, servername: server.tls.servername };
      client = new Client({
        servers: [server.address],
        maxValueSize: MAX,
        timeout: 20_000,
        ...(tls ? { tls } : {}),
      });
    });
    afterAll(async () => {
      await client.close();
      await server.stop();
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('a 16 MiB value is read straight into the buffer it is returned in', async () => {
      const value = pattern(16 * MiB, 7);
      expect(await client.set('big', value)).toBe(true);
      await client.get('warm-up');
      const fed: Buffer[] = [];
      const feed = ReplyDecoder.prototype.feed;
      vi.spyOn(ReplyDecoder.prototype, 'feed').mockImplementation(function (
        this: ReplyDecoder,
        chunk,
        ...rest
      ) {
        fed.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        return feed.call(this, chunk, ...rest);
      });
      const got = (await client.get('big')) as Buffer;
      expect(Buffer.isBuffer(got)).toBe(true);
      expect(got.equals(value)).toBe(true);
      // The result is the receive buffer itself: exactly the value's size, nothing around it.
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(16 * MiB);
      const elsewhere = fed.filter((c) => c.buffer !== got.buffer).reduce((n, c) => n + c.length, 0);
      const inPlace = fed.filter((c) => c.buffer === got.buffer).reduce((n, c) => n + c.length, 0);
      expect(elsewhere).toBeLessThan(128 * 1024);
      expect(inPlace).toBeGreaterThan(16 * MiB - 128 * 1024);
    });

    it('a 16 MiB text value comes back as the same string', async () => {
      const text = pattern(16 * MiB, 3)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, 'x');
      expect(await client.set('big-text', text)).toBe(true);
      expect(await client.get('big-text')).toBe(text);
    });

    it('values of every size around the read buffers round-trip, pipelined', async () => {
      const sizes = [0, 1, 100, 16 * 1024 - 40, 16 * 1024, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1];
      for (let s = 40_000; s < 300_000; s += 23_456) sizes.push(s);
      sizes.push(MiB, MiB + 1, 3 * MiB + 7);
      const values = sizes.map((size, i) => pattern(size, i));
      await Promise.all(values.map((v, i) => client.set(`sz:${i}`, v)));
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(values.map((_, i) => client.get(`sz:${i}`)));
        got.forEach((g, i) => {
          expect((g as Buffer).equals(values[i]!), `size ${sizes[i]}`).toBe(true);
        });
      }
      const multi = await client.getMulti(values.map((_, i) => `sz:${i}`));
      values.forEach((v, i) => {
        expect((multi.get(`sz:${i}`) as Buffer).equals(v)).toBe(true);
      });
    });
  });
}
