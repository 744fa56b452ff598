/**
 * `close()` while a connection is still being set up (TLS handshake or auth probe unanswered)
 * drops that socket and its timer at once, instead of leaving them for `connectTimeout`.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { startFakeServer } from './fake-server';

// Resolves on the loop turn after the timer: a Timeout still counts as active while its own
// callback's promise continuations run.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), ms));

/** Sockets and timers this process holds (the client's and the fake server's). */
function handles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length,
    timers: info.filter((r) => r === 'Timeout').length,
  };
}

describe('close() during connection setup leaves nothing behind', () => {
  const setups = {
    'a TLS handshake the server never answers': { tls: { servername: 'localhost' } },
    'an auth probe the server never answers': { auth: { username: 'u', password: 'p' } },
  };
  for (const [name, options] of Object.entries(setups)) {
    it(name, async () => {
      // Accepts and reads, never writes a byte.
      const blackHole = await startFakeServer(() => 0);
      try {
        // vitest holds a short-lived timer at the start of each test: let it go first.
        await sleep(500);
        const before = handles();
        const client = new Client({
          servers: [blackHole.address],
          connectTimeout: 10_000,
          timeout: 10_000,
          ...options,
        });
        const pending = client.get('k').catch((e: unknown) => e);
        await sleep(200);
        expect(blackHole.open).toBe(1);
        await client.close();
        expect(await pending).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
        await sleep(50);
        // Gone now, not after connectTimeout: the server saw the close, no handle is left.
        expect(blackHole.open).toBe(0);
        expect(handles()).toEqual(before);
      } finally {
        await blackHole.close();
      }
    });
  }
});
