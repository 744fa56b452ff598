import { describe, expect, it } from 'vitest';
import { parseGeneration, randomStart } from '../src/generation';
import { dataKey, GENERATION_KEY, namespaceScope, stripNamespace } from '../src/keys';
import { resolveClient } from '../src/options';
import { expiresToSeconds, ttlMsToSeconds } from '../src/ttl';

describe('ttlMsToSeconds (Keyv 5: relative ms)', () => {
  it.each([
    [undefined, 0],
    [0, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    [1, 1],
    [300, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [59_999, 60],
    [31 * 24 * 3600 * 1000, 31 * 24 * 3600],
    [-1, -1],
    [Number.NEGATIVE_INFINITY, -1],
  ])('%s ms → %s s', (ms, seconds) => {
    expect(ttlMsToSeconds(ms)).toBe(seconds);
  });
});

describe('expiresToSeconds (Keyv 6: absolute Unix ms)', () => {
  const now = 1_750_000_000_000;
  it.each([
    [undefined, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    [now + 1, 1],
    [now + 300, 1],
    [now + 1000, 1],
    [now + 1001, 2],
    [now + 31 * 24 * 3600 * 1000, 31 * 24 * 3600],
    [now, -1],
    [now - 5000, -1],
  ])('expires %s → %s s', (expires, seconds) => {
    expect(expiresToSeconds(expires, now)).toBe(seconds);
  });
});

describe('physical keys', () => {
  it('lays out client prefix, prefix, namespace, generation and key', () => {
    const scope = namespaceScope('c:', 'app:', 'users');
    expect(scope + dataKey('k3', 'id:1')).toBe('c:app:users:k3:id:1');
    expect(scope + GENERATION_KEY).toBe('c:app:users:__gen');
    expect(namespaceScope('', '', undefined) + dataKey('1', 'a')).toBe(':1:a');
  });

  it('strips only the Keyv 5 namespace prefix', () => {
    expect(stripNamespace('keyv:foo', 'keyv')).toBe('foo');
    expect(stripNamespace('keyv:a:b', 'keyv')).toBe('a:b');
    expect(stripNamespace('foo', 'keyv')).toBe('foo');
    expect(stripNamespace('keyvfoo', 'keyv')).toBe('keyvfoo');
    expect(stripNamespace('keyv:foo', undefined)).toBe('keyv:foo');
    expect(stripNamespace('keyv:foo', '')).toBe('keyv:foo');
  });
});

describe('randomStart', () => {
  it('draws safe integers over the whole 53-bit range, without repeats', () => {
    const draws = Array.from({ length: 10_000 }, () => randomStart());
    for (const d of draws) {
      expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
      expect(parseGeneration(d, 'k')).toBe(d.toString(36));
    }
    expect(new Set(draws).size).toBe(draws.length);
    // Both halves of the range are reached (the top bits are random too).
    expect(draws.some((d) => d >= 2 ** 52)).toBe(true);
    expect(draws.some((d) => d < 2 ** 52)).toBe(true);
  });
});

describe('parseGeneration', () => {
  it.each([
    [0, '0'],
    [35, 'z'],
    [1_750_000_000_000, (1_750_000_000_000).toString(36)],
    [2n ** 64n - 1n, (2n ** 64n - 1n).toString(36)],
    ['42', '16'],
    [Buffer.from('36'), '10'],
    [undefined, undefined],
    [null, undefined],
  ])('%s → %s', (raw, gen) => {
    expect(parseGeneration(raw, 'k')).toBe(gen);
  });

  it.each([['abc'], [-1], [1.5], [{}]])('rejects %s with ERR_UNSERIALIZABLE', (raw) => {
    expect(() => parseGeneration(raw, 'ns:__gen')).toThrow(
      expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }),
    );
  });
});

describe('resolveClient', () => {
  it('uses a passed client as is and does not own it', async () => {
    const { client } = resolveClient('127.0.0.1:1');
    const again = resolveClient(client);
    expect(again.client).toBe(client);
    expect(again.owned).toBe(false);
    await client.close();
  });

  it('builds and owns a client from a server list, an array or options', async () => {
    for (const source of ['127.0.0.1:1, 127.0.0.1:2', ['127.0.0.1:1', '127.0.0.1:2']]) {
      const { client, owned } = resolveClient(source);
      expect(owned).toBe(true);
      expect(client.servers()).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
      await client.close();
    }
    const { client, owned } = resolveClient({ servers: ['127.0.0.1:3'] });
    expect([owned, client.servers()]).toEqual([true, ['127.0.0.1:3']]);
    await client.close();
  });

  it('rejects an empty server list and nonsense', () => {
    expect(() => resolveClient(' , ')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => resolveClient(42 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
