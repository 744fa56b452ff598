/**
 * `incr`/`decr` with `initial` and `ttl`: a missing counter is created in
 * one round trip with meta (`ma … N<ttl> J<initial>`), by the documented
 * incr/add/incr fallback with text, and both give the same results, racing
 * clients included. Also: CLIENT_ERROR replies map to ERR_CLIENT_ERROR.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKEND_PROTOCOLS, type Backend } from './helpers/backends';
import { type RecordingProxy, startRecordingProxy } from './helpers/recording-proxy';

describe.each(BACKEND_PROTOCOLS)('incr/decr with initial over $name', ({ backend, protocol }) => {
  let server: Backend;
  let proxy: RecordingProxy;
  let client: Client;

  beforeAll(async () => {
    server = await backend.start();
    proxy = await startRecordingProxy(server);
    client = new Client({ servers: [proxy.address], protocol });
  });
  afterAll(async () => {
    await client.close();
    await proxy.close();
    await server.stop();
  });
  beforeEach(() => client.flushAll());

  /** Seconds until `key` expires per metadump (-1: never), or undefined when absent. */
  async function expiry(key: string): Promise<number | undefined> {
    const item = Object.values(await client.metadump())
      .flat()
      .find((i) => i.key === key);
    if (!item) return undefined;
    const exp = Number(item.fields.exp);
    return exp === -1 ? -1 : exp - Math.floor(Date.now() / 1000);
  }

  it('creates a missing counter holding initial, then counts from it', async () => {
    expect(await client.incr('hits', 5)).toBeUndefined();
    expect(await client.incr('hits', 5, { initial: 10 })).toBe(10n);
    expect(await client.incr('hits', 5, { initial: 10 })).toBe(15n);
    expect(await client.decr('left', 3, { initial: 100n })).toBe(100n);
    expect(await client.decr('left', 3, { initial: 100n })).toBe(97n);
    expect(await client.incr('max', 1, { initial: 2n ** 64n - 1n })).toBe(2n ** 64n - 1n);
    expect(await client.incr('max', 1)).toBe(0n);
    // Stored as digits with flags 0 (bytes for the default serializer), as memcached's auto-create does.
    expect(await client.get('hits')).toEqual(Buffer.from('15'));
  });

  it('gives a created counter the ttl, and leaves an existing counter’s expiry alone', async () => {
    expect(await client.incr('fresh', 1, { initial: 1, ttl: 500 })).toBe(1n);
    expect(await expiry('fresh')).toBeGreaterThan(400);
    await client.set('old', '7');
    expect(await client.incr('old', 1, { initial: 1, ttl: 500 })).toBe(8n);
    expect(await expiry('old')).toBe(-1);
  });

  it('creates in one round trip with meta; text takes incr, add', async () => {
    const before = proxy.sent().length;
    expect(await client.incr('wire', 2, { initial: 40, ttl: 60 })).toBe(40n);
    const sent = proxy.sent().slice(before);
    if (protocol === 'meta') {
      expect(sent).toMatch(/^ma wire MI D2 J40 N60 v O\d+\r\n$/);
    } else {
      expect(sent).toMatch(/^incr wire 2\r\nadd wire 0 60 2\r\n40\r\n$/);
    }
  });

  it('loses no increment when clients race to create the counter', async () => {
    const other = new Client({ servers: [proxy.address], protocol });
    try {
      const calls = Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? other : client).incr('race', 1, { initial: 0 }),
      );
      const results = (await Promise.all(calls)).map(Number).sort((a, b) => a - b);
      expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(await client.incr('race', 0)).toBe(59n);
    } finally {
      await other.close();
    }
  });

  it('refuses bad arguments before sending', async () => {
    const before = proxy.sent().length;
    await expect(client.incr('k', 1, { ttl: 10 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: /initial/,
    });
    for (const initial of [-1, 1.5, 2n ** 64n, Number.NaN]) {
      await expect(client.incr('k', 1, { initial })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await expect(client.decr('k', -1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // A misspelled option is refused, naming the right one.
    await expect(client.incr('k', 1, { intial: 0 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/initial/),
    });
    await expect(client.incr('k', 1, { initial: '5' } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(proxy.sent().length).toBe(before);
  });

  it('a value that is not a number is ERR_CLIENT_ERROR (memcached’s CLIENT_ERROR)', async () => {
    await client.set('text', 'abc');
    await expect(client.incr('text', 1)).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    await expect(client.incr('text', 1, { initial: 0 })).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    // The connection is still in step.
    expect(await client.get('text')).toBe('abc');
  });
});
