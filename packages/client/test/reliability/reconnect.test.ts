/**
 * Reconnecting leaves nothing behind: a request moved to a new connection keeps one abort
 * listener.
 */
import { getEventListeners } from 'node:events';
import { encodeVersion, MemkitError } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionOwner } from '../../src/connection/connection';
import type { Request } from '../../src/connection/request';
import { VersionRequest } from '../../src/requests/admin';
import { startFakeServer } from './fake-server';

describe('no reconnect storm', () => {
  it('a request moved to a new connection leaves no abort listener behind', async () => {
    const fake = await startFakeServer(() => 0);
    const unwritten: Request[] = [];
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
    };
    const signal = new AbortController().signal;
    const req = new VersionRequest(encodeVersion());
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
