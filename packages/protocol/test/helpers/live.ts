/**
 * Shared setup of the integration tests: one real memcached per test file
 * and a fresh raw connection per test, which must leave no reply unread.
 */
import { Buffer } from 'node:buffer';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type MemcachedServer, startMemcached } from './memcached';
import { RawConnection } from './raw-connection';

/** Bytes of a latin1 string ("\xff" is the byte 0xff). */
export const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A remaining TTL read right after setting it: memcached's clock may tick in between. */
export const ttlNear = (n: number): number =>
  ({
    asymmetricMatch: (v: unknown) => typeof v === 'number' && v <= n && v >= n - 2,
    toString: () => `ttlNear(${n})`,
  }) as unknown as number;

export interface Live {
  readonly server: MemcachedServer;
  readonly conn: RawConnection;
}

/** Registers the hooks; read `server`/`conn` inside tests only. */
export function useMemcached(): Live {
  let server: MemcachedServer | undefined;
  let conn: RawConnection | undefined;
  beforeAll(async () => {
    server = await startMemcached();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    conn = await RawConnection.connect(server!.port);
  });
  afterEach(() => {
    // A test must consume every reply it caused; leftovers mean a framing bug.
    const leftovers = conn!.pending.length;
    conn!.close();
    expect(leftovers).toBe(0);
  });
  return {
    get server() {
      return server!;
    },
    get conn() {
      return conn!;
    },
  };
}
