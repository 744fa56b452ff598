/**
 * Reconnecting must not turn into a storm. A server that drops connections during the auth
 * handshake (memcached at its connection limit, a restarting proxy) is a failed connect: the
 * call fails fast with ERR_CONNECT and the pool backs off, instead of reconnecting in a tight
 * loop until the call's timeout. A request moved to a new connection keeps one abort listener.
 */
import { getEventListeners } from 'node:events';
import { encodeVersion, MemkitError } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionOwner } from '../../src/connection/connection';
import { VersionExchange } from '../../src/exchanges/admin';
import type { Exchange } from '../../src/exchanges/exchange';
import { Client } from '../../src/index';
import { startFakeServer } from './fake-server';

describe('no reconnect storm', () => {
  it('connections dropped during the auth handshake fail fast and back off', async () => {
    // Accepts, and closes as soon as the client says anything.
    const fake = await startFakeServer((socket) => {
      socket.destroy();
      return 0;
    });
    const client = new Client({
      servers: [fake.address],
      auth: { username: 'u', password: 'p' },
      timeout: 2000,
      // Longer than the test can take even on a loaded machine: no retry may fall inside it.
      reconnectDelay: 10_000,
      reconnectMaxDelay: 10_000,
    });
    const signal = new AbortController().signal;
    try {
      // ERR_CONNECT, not ERR_TIMEOUT: the call did not reconnect in a loop until its timeout.
      await expect(client.get('k', { signal })).rejects.toMatchObject({ code: 'ERR_CONNECT' });
      for (let i = 0; i < 20; i++) {
        // Backing off: each call fails before the event loop reaches any I/O (no connect attempt).
        const outcome = await Promise.race([
          client.get('k', { signal }).then(
            () => 'resolved',
            (e: MemkitError) => e.code,
          ),
          new Promise((resolve) => setImmediate(() => resolve('waited for I/O'))),
        ]);
        expect(outcome).toBe('ERR_CONNECT');
      }
      expect(fake.accepted).toBeLessThanOrEqual(3);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('a request moved to a new connection leaves no abort listener behind', async () => {
    const fake = await startFakeServer(() => 0);
    const unwritten: Exchange[] = [];
    const owner: ConnectionOwner = {
      onReady: () => undefined,
      onSuccess: () => undefined,
      onClose: (_conn, _err, requests) => unwritten.push(...requests),
    };
    const [host, port] = fake.address.split(':');
    const node = { host: host!, port: Number(port), address: fake.address, weight: 1 };
    const options = {
      connectTimeout: 1000,
      keepAlive: 0,
      tls: undefined,
      auth: undefined,
      maxValueLength: 1024,
      quitTimeout: 1000,
    };
    const signal = new AbortController().signal;
    const req = new VersionExchange(encodeVersion());
    req.signal = signal;
    try {
      const first = new Connection(node, options, owner);
      first.send(req); // queued while connecting
      first.destroy(new MemkitError('ERR_CONNECTION_CLOSED', 'gone'));
      expect(unwritten).toEqual([req]);
      const second = new Connection(node, options, owner);
      second.send(req);
      expect(getEventListeners(signal, 'abort')).toHaveLength(1);
      req.resolve('1.6.18');
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      second.destroy(new MemkitError('ERR_CLIENT_CLOSED', 'done'));
    } finally {
      await fake.close();
    }
  });
});
