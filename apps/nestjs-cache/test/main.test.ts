import { createConnection, createServer } from 'node:net';
import { type MemcachedInstance, rawCommand, startMemcached } from '@memkit/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNestjsCache } from '../src/main';

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
});
afterAll(async () => {
  await mc?.stop();
});

function refused(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = createConnection({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startNestjsCache', () => {
  it('runs on an embedded @memkit/server without MEMCACHED_SERVERS, prints the URL, and stops it on close', async () => {
    const lines: string[] = [];
    const running = await startNestjsCache({ port: 0, servers: [], slowMs: 1, log: (l) => lines.push(l) });
    try {
      expect(running.embedded).toBe(true);
      expect(running.url).toBe(`http://127.0.0.1:${running.port}/`);
      expect(lines[0]).toBe(`nestjs-cache: ${running.url}`);
      expect(lines.join('\n')).toContain(`embedded @memkit/server at ${running.servers[0]}`);

      const first = await request(running.url).get('products/1').expect(200);
      const second = await request(running.url).get('products/1').expect(200);
      expect(second.body).toEqual(first.body);
      const health = await request(running.url).get('health').expect(200);
      expect(health.body.details.memcached.status).toBe('up');

      // The one-search-per-query behaviour shows in the log: one line for 10 concurrent cold requests.
      const search = `products/search?q=${'espresso%20'.repeat(40)}machine`;
      const bodies = await Promise.all(
        Array.from({ length: 10 }, () => request(running.url).get(search).expect(200)),
      );
      expect(new Set(bodies.map((r) => r.body.computedAt)).size).toBe(1);
      expect(lines.filter((l) => l.startsWith('  search ran for q='))).toHaveLength(1);
    } finally {
      await running.close();
    }
    expect(await refused(running.servers[0]!)).toBe(true);
  });

  it('uses MEMCACHED_SERVERS when set', async () => {
    const saved = process.env.MEMCACHED_SERVERS;
    process.env.MEMCACHED_SERVERS = ` ${mc.address} `;
    const lines: string[] = [];
    const running = await startNestjsCache({ port: 0, slowMs: 1, log: (l) => lines.push(l) }).finally(() => {
      if (saved === undefined) delete process.env.MEMCACHED_SERVERS;
      else process.env.MEMCACHED_SERVERS = saved;
    });
    try {
      expect(running.embedded).toBe(false);
      expect(running.servers).toEqual([mc.address]);
      expect(lines).toContain(`  cache in memcached at ${mc.address}`);
      await request(running.url).get('products/2').expect(200);
      const dump = await rawCommand(mc, 'lru_crawler metadump hash\r\n', { idleMs: 200 });
      expect(dump).toMatch(/key=nestjs-cache%3A[0-9a-z]+%3A%2Fproducts%2F2 /);
    } finally {
      await running.close();
    }
  });

  it('moves off the default port 3000 when it is taken', async () => {
    // Hold 3000 ourselves; when that fails, someone else holds it, which is the same situation.
    const holder = createServer();
    const held = await new Promise<boolean>((r) => {
      holder.once('error', () => r(false));
      holder.listen(3000, '127.0.0.1', () => r(true));
    });
    const savedPort = process.env.PORT;
    delete process.env.PORT;
    const lines: string[] = [];
    try {
      const running = await startNestjsCache({ servers: [], slowMs: 1, log: (l) => lines.push(l) });
      await running.close();
      expect(running.port).not.toBe(3000);
      expect(lines[0]).toBe('nestjs-cache: port 3000 is taken, using a free port instead');
      expect(lines[1]).toBe(`nestjs-cache: ${running.url}`);
    } finally {
      if (savedPort !== undefined) process.env.PORT = savedPort;
      if (held) await new Promise((r) => holder.close(r));
    }
  });
});
