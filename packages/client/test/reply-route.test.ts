/**
 * Error replies are mapped in one place (`deliverReply`) before any exchange
 * sees them: every exchange a dialect builds gets the same codes for the same
 * error replies, and exchanges that wrote several commands keep reading
 * until their last reply, so the stream stays in step.
 */
import { ReplyDecoder } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../src/dialect/index';
import { metaDialect } from '../src/dialect/meta';
import { textDialect } from '../src/dialect/text';
import { AuthExchange } from '../src/exchanges/admin';
import type { Exchange } from '../src/exchanges/exchange';
import { deliverReply } from '../src/exchanges/reply-route';
import type { WireKey } from '../src/keys';
import { createDefaultSerializer } from '../src/serialization/index';

const serializer = createDefaultSerializer();
const key: WireKey = { wire: 'k', base64: false, route: 'k' };
const value = { bytes: Buffer.from('v'), flags: 0 };

/** The exchanges of one dialect that answer with exactly one reply. */
function singles(d: Dialect): Array<[string, () => Exchange]> {
  return [
    ['get', () => d.retrieve('get', key, undefined, serializer)],
    ['gats', () => d.retrieve('gats', key, 10, serializer)],
    ['set', () => d.store('set', key, value, 0, undefined, false)],
    ['cas', () => d.store('cas', key, value, 0, 1n, false)],
    ['delete', () => d.delete(key)],
    ['incr', () => d.arithmetic('incr', key, { delta: 1n })!],
    ['touch', () => d.touch(key, 10)],
    ['stats', () => d.stats(undefined)],
    ['version', () => d.version()],
    ['flush_all', () => d.flushAll(undefined)],
  ];
}

/** Delivers `text` (one or more replies) the way a connection does; the DONE/MORE of each. */
function deliver(ex: Exchange, text: string): boolean[] {
  return new ReplyDecoder().push(Buffer.from(text)).map((r) => deliverReply(ex, r, 'mc:11211'));
}

const ERRORS = [
  ['SERVER_ERROR out of memory\r\n', 'ERR_SERVER'],
  ['CLIENT_ERROR bad data chunk\r\n', 'ERR_CLIENT_ERROR'],
  ['CLIENT_ERROR unauthenticated\r\n', 'ERR_AUTH'],
  ['ERROR Too many open connections\r\n', 'ERR_SERVER'],
] as const;

describe('error replies reach every exchange mapped the same way', () => {
  for (const [name, dialect] of [
    ['meta', metaDialect],
    ['text', textDialect],
  ] as const) {
    for (const [command, make] of singles(dialect)) {
      it(`${name} ${command}`, async () => {
        for (const [reply, code] of ERRORS) {
          const ex = make();
          expect(deliver(ex, reply)).toEqual([true]);
          await expect(ex.promise).rejects.toMatchObject({ code, server: 'mc:11211', command: ex.command });
        }
        // A bare ERROR: the command is unknown. Meta commands: the server has no meta protocol.
        const ex = make();
        deliver(ex, 'ERROR\r\n');
        const meta = name === 'meta' && !['stats', 'version', 'flush_all'].includes(command);
        await expect(ex.promise).rejects.toMatchObject({
          code: meta ? 'ERR_UNSUPPORTED' : 'ERR_CLIENT_ERROR',
        });
      });
    }
  }

  it('a meta batch keeps reading to MN, then fails with the first error', async () => {
    const ex = metaDialect.setMulti(['a', 'b', 'c'], [value, value, value], 0, undefined);
    expect(deliver(ex, 'SERVER_ERROR out of memory\r\nCLIENT_ERROR bad\r\n')).toEqual([false, false]);
    expect(deliver(ex, 'MN\r\n')).toEqual([true]);
    await expect(ex.promise).rejects.toMatchObject({ code: 'ERR_SERVER' });
  });

  it('a text batch counts an error reply as its command’s reply', async () => {
    const ex = textDialect.deleteMulti(['a', 'b', 'c'], undefined);
    expect(deliver(ex, 'DELETED\r\nSERVER_ERROR busy\r\nNOT_FOUND\r\n')).toEqual([false, false, true]);
    await expect(ex.promise).rejects.toMatchObject({ code: 'ERR_SERVER' });
  });

  it('a multi-line getMulti reads every line’s reply before failing', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
    const ex = textDialect.getMulti('getMulti', keys, keys, new Map(), serializer, false, undefined);
    expect(ex.chunks).toHaveLength(2);
    expect(deliver(ex, 'SERVER_ERROR busy\r\nVALUE k120 0 1\r\nx\r\nEND\r\n')).toEqual([false, false, true]);
    await expect(ex.promise).rejects.toMatchObject({ code: 'ERR_SERVER' });
  });

  it('metadump: a BADCLASS refusal of the hash walk (memcached < 1.6.9) is told apart from other refusals', async () => {
    const hash = textDialect.metadump('hash');
    deliver(hash, 'BADCLASS invalid class id\r\n');
    await expect(hash.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect(hash.scopeRefused).toBe(true);
    // the LRU walk refused the same way is no reason to ask again
    const all = textDialect.metadump('all');
    expect(all.chunks).toEqual(['lru_crawler metadump all\r\n']);
    deliver(all, 'BADCLASS invalid class id\r\n');
    await expect(all.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect(all.scopeRefused).toBe(false);
    const busy = textDialect.metadump('hash');
    deliver(busy, 'BUSY currently processing crawler request\r\n');
    await expect(busy.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: /BUSY/ });
    expect(busy.scopeRefused).toBe(false);
  });

  it('metadump names what key listing needs; auth never echoes the credentials', async () => {
    const dump = metaDialect.metadump('hash');
    expect(dump.chunks).toEqual(['lru_crawler metadump hash\r\n']);
    deliver(dump, 'ERROR cannot pipeline other commands before metadump\r\n');
    await expect(dump.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: /lru_crawler/ });
    expect(dump.scopeRefused).toBe(false);
    const auth = new AuthExchange({ username: 'alice', password: 's3cret' });
    deliver(auth, 'CLIENT_ERROR bad command line format s3cret\r\n');
    const err = await auth.promise.catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ERR_AUTH' });
    expect((err as Error).message).not.toMatch(/s3cret|alice/);
  });
});
