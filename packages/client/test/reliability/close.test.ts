/**
 * `close()` while a connection is still being set up (TLS handshake or auth probe unanswered)
 * drops that socket and its timer at once, instead of leaving them for `connectTimeout`.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { trackClientResources } from '../helpers/leaks';
import { waitUntil } from '../helpers/wait';
import { startFakeServer } from './fake-server';

describe('close() during connection setup leaves nothing behind', () => {
  const setups = {
    'a TLS handshake the server never answers': { tls: { servername: 'localhost' } },
    'an auth probe the server never answers': { auth: { username: 'u', password: 'p' } },
  };
  for (const [name, options] of Object.entries(setups)) {
    it(name, async () => {
      // Accepts and reads, never writes a byte.
      const blackHole = await startFakeServer(() => 0);
      const tracker = trackClientResources();
      try {
        const client = new Client({
          servers: [blackHole.address],
          // Far longer than any wait below: what goes, goes because of close(), not a timer.
          connectTimeout: 60_000,
          timeout: 60_000,
          ...options,
        });
        const pending = client.get('k').catch((e: unknown) => e);
        await waitUntil(() => blackHole.open === 1, 'the connection to reach the server');
        await client.close();
        expect(await pending).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
        // Gone now, not after connectTimeout: the server sees the close, and every socket and
        // timer the client made is destroyed.
        await waitUntil(() => blackHole.open === 0, 'the server to see the close');
        await waitUntil(() => tracker.alive().length === 0, 'the client resources to go').catch(
          () => undefined,
        );
        expect(tracker.alive()).toEqual([]);
      } finally {
        tracker.stop();
        await blackHole.close();
      }
    });
  }
});
