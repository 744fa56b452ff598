/**
 * `incr`/`decr` with `initial` and `ttl`: a missing counter is created in
 * one round trip with meta (`ma … N<ttl> J<initial>`), by the documented
 * incr/add/incr fallback with text, and both give the same results, racing
 * clients included. Also: CLIENT_ERROR replies map to ERR_CLIENT_ERROR.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKEND_PROTOCOLS } from './helpers/backends';
import { answerOf } from './helpers/server-results';
import { useClient } from './helpers/use-client';

describe.each(BACKEND_PROTOCOLS)('incr/decr with initial over $name', ({ backend, protocol }) => {
  const f = useClient(backend.start, { protocol }, { record: true });

  /** Seconds until `key` expires per metadump (-1: never), or undefined when absent. */
  async function expiry(key: string): Promise<number | undefined> {
    const item = answerOf(await f.client.metadump()).find((i) => i.key === key);
    if (!item) return undefined;
    const exp = Number(item.fields.exp);
    return exp === -1 ? -1 : exp - Math.floor(Date.now() / 1000);
  }

  it('creates a missing counter holding initial, then counts from it', async () => {
    expect(await f.client.incr('hits', 5)).toBeUndefined();
    expect(await f.client.incr('hits', 5, { initial: 10 })).toBe(10n);
    expect(await f.client.incr('hits', 5, { initial: 10 })).toBe(15n);
    expect(await f.client.decr('left', 3, { initial: 100n })).toBe(100n);
    expect(await f.client.decr('left', 3, { initial: 100n })).toBe(97n);
    expect(await f.client.incr('max', 1, { initial: 2n ** 64n - 1n })).toBe(2n ** 64n - 1n);
    expect(await f.client.incr('max', 1)).toBe(0n);
    // Stored as digits with flags 0 (bytes for the default serializer), as memcached's auto-create does.
    expect(await f.client.get('hits')).toEqual(Buffer.from('15'));
  });

  it('gives a created counter the ttl, and leaves an existing counter’s expiry alone', async () => {
    expect(await f.client.incr('fresh', 1, { initial: 1, ttl: 500 })).toBe(1n);
    expect(await expiry('fresh')).toBeGreaterThan(400);
    await f.client.set('old', '7');
    expect(await f.client.incr('old', 1, { initial: 1, ttl: 500 })).toBe(8n);
    expect(await expiry('old')).toBe(-1);
  });

  it('creates in one round trip with meta; text takes incr, add', async () => {
    const before = f.proxy.sent().length;
    expect(await f.client.incr('wire', 2, { initial: 40, ttl: 60 })).toBe(40n);
    const sent = f.proxy.sent().slice(before);
    if (protocol === 'meta') {
      expect(sent).toMatch(/^ma wire MI D2 J40 N60 v O\d+\r\n$/);
    } else {
      expect(sent).toMatch(/^incr wire 2\r\nadd wire 0 60 2\r\n40\r\n$/);
    }
  });

  it('loses no increment when clients race to create the counter', async () => {
    const other = new Client({ servers: [f.proxy.address], protocol });
    try {
      const calls = Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? other : f.client).incr('race', 1, { initial: 0 }),
      );
      const results = (await Promise.all(calls)).map(Number).sort((a, b) => a - b);
      expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(await f.client.incr('race', 0)).toBe(59n);
    } finally {
      await other.close();
    }
  });

  it('refuses bad arguments before sending', async () => {
    const before = f.proxy.sent().length;
    await expect(f.client.incr('k', 1, { ttl: 10 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: /initial/,
    });
    for (const initial of [-1, 1.5, 2n ** 64n, Number.NaN]) {
      await expect(f.client.incr('k', 1, { initial })).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
    await expect(f.client.decr('k', -1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // A misspelled option is refused, naming the right one.
    await expect(f.client.incr('k', 1, { intial: 0 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/initial/),
    });
    await expect(f.client.incr('k', 1, { initial: '5' } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(f.proxy.sent().length).toBe(before);
  });

  it('a value that is not a number is ERR_CLIENT_ERROR (memcached’s CLIENT_ERROR)', async () => {
    await f.client.set('text', 'abc');
    await expect(f.client.incr('text', 1)).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    await expect(f.client.incr('text', 1, { initial: 0 })).rejects.toMatchObject({
      code: 'ERR_CLIENT_ERROR',
    });
    // The connection is still in step.
    expect(await f.client.get('text')).toBe('abc');
  });
});
