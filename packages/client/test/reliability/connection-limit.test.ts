/**
 * A memcached at its connection limit (`-c`) accepts, answers `ERROR Too many open connections`
 * and closes. That is a server refusing service, not a server without the meta protocol: the
 * client must say so (ERR_SERVER with the server's reason), fail fast, and work again once
 * connections free up.
 */
import net from 'node:net';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index';

let mc: MemcachedInstance;
const held: net.Socket[] = [];

beforeAll(async () => {
  mc = await startMemcached({ args: ['-c', '30'] });
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await mc.stop();
});

/** Opens raw connections until memcached refuses one with its "too many" line. */
async function exhaust(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const socket = net.connect(mc.port, mc.host);
    socket.on('error', () => undefined);
    const reply = await new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(d.toString('latin1')));
      socket.once('close', () => resolve(''));
      socket.write('mn\r\n');
    });
    if (reply.startsWith('ERROR Too many open connections')) {
      socket.destroy();
      return;
    }
    held.push(socket);
  }
  throw new Error('memcached never refused a connection');
}

describe('a server at its connection limit', () => {
  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: ERR_SERVER naming the reason, then works once connections free up`, async () => {
      await exhaust();
      const client = new Client({ servers: [mc.address], protocol, reconnectDelay: 10 });
      try {
        const err = await client.get('k').catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_SERVER', message: /Too many open connections/ });
        for (const s of held.splice(0)) s.destroy();
        let ok = false;
        for (let i = 0; i < 50 && !ok; i++) {
          ok = await client.set('k', 'v').then(
            () => true,
            () => false,
          );
          if (!ok) await new Promise((r) => setTimeout(r, 20));
        }
        expect(ok).toBe(true);
        expect(await client.get('k')).toBe('v');
      } finally {
        await client.close();
      }
    });
  }
});
