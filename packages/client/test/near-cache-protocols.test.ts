/**
 * The near cache and the protocol option: refused with `protocol: 'text'`;
 * with `protocol: 'auto'` it caches the keys of servers found to speak meta,
 * reads those of a text-only server straight from it, and says so once.
 */
import { startServer } from '@memkit/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../src/index';
import { stats, warm } from './helpers/near';

describe("near cache with protocol: 'auto'", () => {
  afterEach(() => vi.restoreAllMocks());

  it('caches on a meta server, reads a text-only server without it, and warns once', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const modern = await startServer();
    const legacy = await startServer({ meta: false });
    const client = new Client({
      servers: [modern.address, legacy.address],
      protocol: 'auto',
      nearCache: { maxAge: 60_000 },
    });
    try {
      // A key on each server.
      const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
      await client.setMulti(keys.map((k) => [k, k] as const));
      const onModern = keys.find((k) => client.serverFor(k) === modern.address)!;
      const onLegacy = keys.find((k) => client.serverFor(k) === legacy.address)!;
      await warm(client, onModern);
      const before = stats(client);
      for (let i = 0; i < 3; i++) expect(await client.get(onLegacy)).toBe(onLegacy);
      expect(await client.getMulti([onLegacy])).toEqual(new Map([[onLegacy, onLegacy]]));
      const after = stats(client);
      expect(after.admitted).toBe(before.admitted); // nothing of the text server was cached
      expect(after.hits).toBe(before.hits);
      const texts = warn.mock.calls.filter(
        ([, o]) => (o as { code?: string })?.code === 'MEMKIT_NEAR_CACHE_TEXT',
      );
      expect(texts).toHaveLength(1);
      expect(String(texts[0]![0])).toContain(legacy.address);
    } finally {
      await client.close();
      await Promise.all([modern.close(), legacy.close()]);
    }
  });

  it("is refused with protocol: 'text'", () => {
    expect(() => new Client({ protocol: 'text', nearCache: { maxAge: 1000 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
