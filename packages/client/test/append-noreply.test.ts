/**
 * `append`/`prepend` take `noreply` like the other storage commands (the
 * README always said so; the types used to refuse it): quiet on the wire in
 * meta, never rejecting, `false` for a missing key, and the item's TTL and
 * flags untouched.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKEND_PROTOCOLS } from './helpers/backends';
import { answerOf } from './helpers/server-results';
import { useClient } from './helpers/use-client';

describe.each(BACKEND_PROTOCOLS)('append/prepend with noreply over $name', ({ backend, protocol }) => {
  const f = useClient(backend.start, { protocol }, { record: true });

  it('resolves true when stored, false for a missing key, and keeps TTL and flags', async () => {
    await f.client.set('log', 'b', { ttl: 1000 });
    expect(await f.client.append('log', 'c', { noreply: true })).toBe(true);
    expect(await f.client.prepend('log', 'a', { noreply: true })).toBe(true);
    expect(await f.client.append('absent', 'x', { noreply: true })).toBe(false);
    expect(await f.client.prepend('absent', 'x', { noreply: true })).toBe(false);
    expect(await f.client.get('log')).toBe('abc');
    expect(await f.client.get('absent')).toBeUndefined();
    // Still expiring (metadump's exp is -1 for items that never expire).
    const item = answerOf(await f.client.metadump()).find((i) => i.key === 'log');
    expect(Number(item?.fields.exp)).toBeGreaterThan(0);
    const sent = f.proxy.sent();
    if (protocol === 'meta') {
      // Quiet: the server answers only the failures, and `mn` closes each one.
      expect(sent).toMatch(/^ms log 1 .*MA.* q\r$/m);
      expect(sent).toMatch(/^ms log 1 .*MP.* q\r$/m);
    } else {
      // The text protocol's `noreply` is never used: an error reply to it would desync the stream.
      expect(sent).toMatch(/^append log \d+ 0 1\r$/m);
      expect(sent).not.toMatch(/noreply/);
    }
  });

  it('never rejects past the argument checks', async () => {
    const closed = new Client({ servers: ['127.0.0.1:1'], protocol, connectTimeout: 200 });
    try {
      expect(await closed.append('k', 'x', { noreply: true })).toBe(false);
      await expect(closed.append('k', 'x')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
      await expect(closed.append('bad key', 'x', { noreply: true })).rejects.toMatchObject({
        code: 'ERR_KEY_INVALID',
      });
      // No TTL here: memcached keeps the item's own.
      await expect(closed.append('k', 'x', { ttl: 5 } as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
    } finally {
      await closed.close();
    }
  });
});
