/**
 * Per-call options are checked before anything is queued: a number where the
 * options object goes (`set(k, v, 60)`), a misspelled option, a timeout that
 * is 0, negative or NaN. Checked against a real memcached: the refused calls
 * never reach it, and a `timeout: 0` no longer destroys the connection or
 * counts towards marking the server dead.
 */
import { type MemcachedInstance, rawStats, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_OPTIONS } from '../src/call-options';
import { Client, type MemkitError } from '../src/index';

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached();
});
afterAll(() => mc?.stop());

async function codeAndMessage(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (err) {
    return `${(err as MemkitError).code}: ${(err as Error).message}`;
  }
  return 'resolved';
}

/** Every method that takes an options object, called with `opts` in that place. */
function everyMethod(client: Client, opts: unknown): Record<string, () => Promise<unknown>> {
  const o = opts as never;
  return {
    get: () => client.get('k', o),
    gets: () => client.gets('k', o),
    gat: () => client.gat('k', 1, o),
    gats: () => client.gats('k', 1, o),
    getMulti: () => client.getMulti(['k'], o),
    set: () => client.set('k', 'v', o),
    add: () => client.add('k', 'v', o),
    replace: () => client.replace('k', 'v', o),
    append: () => client.append('k', 'v', o),
    prepend: () => client.prepend('k', 'v', o),
    cas: () => client.cas('k', 'v', 1n, o),
    setMulti: () => client.setMulti({ k: 'v' }, o),
    delete: () => client.delete('k', o),
    deleteMulti: () => client.deleteMulti(['k'], o),
    incr: () => client.incr('k', 1, o),
    decr: () => client.decr('k', 1, o),
    touch: () => client.touch('k', 1, o),
    getOrSet: () => client.getOrSet('k', () => 'v', o),
    stats: () => client.stats(undefined, o),
    version: () => client.version(o),
    flushAll: () => client.flushAll(0, o),
    metadump: () => client.metadump(o),
  };
}

describe('per-call options', () => {
  it('a number where the options object goes is ERR_INVALID_ARGUMENT, for every method, and nothing is sent', async () => {
    const before = Number((await rawStats(mc)).total_connections);
    const client = new Client({ servers: [mc.address] });
    try {
      expect(await codeAndMessage(() => client.set('k', 'v', 60 as never))).toBe(
        'ERR_INVALID_ARGUMENT: set: the options argument must be an object, got 60; pass { ttl: 60 }',
      );
      for (const [name, call] of Object.entries(everyMethod(client, 60))) {
        const result = await codeAndMessage(call);
        expect(result, name).toMatch(
          new RegExp(`^ERR_INVALID_ARGUMENT: ${name}: the options argument must be an object`),
        );
        expect(result, name).toMatch(/pass \{ (ttl: 60|timeout: 500) \}/);
      }
      for (const bad of ['60', true, [60]]) {
        expect(await codeAndMessage(() => client.set('k', 'v', bad as never))).toMatch(
          /^ERR_INVALID_ARGUMENT/,
        );
      }
      // Nothing was ever sent: the client did not even connect.
      expect(Number((await rawStats(mc)).total_connections)).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it('misspelled option names are refused naming the closest valid one', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      expect(await codeAndMessage(() => client.set('k', 'v', { ttL: 60 } as never))).toBe(
        'ERR_INVALID_ARGUMENT: set: unknown option "ttL" (did you mean "ttl"?)',
      );
      expect(await codeAndMessage(() => client.get('k', { timout: 5 } as never))).toMatch(
        /did you mean "timeout"/,
      );
      // An option of another method is unknown here too: get has no ttl.
      expect(await codeAndMessage(() => client.get('k', { ttl: 5 } as never))).toMatch(
        /unknown option "ttl"/,
      );
      expect(await client.get('never-set')).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('timeout 0, negative, NaN or past what a timer can wait is refused and the connection is kept', async () => {
    // One socket, so "the same connection" is well defined.
    const client = new Client({ servers: [mc.address], failureThreshold: 1, connectionsPerServer: 1 });
    try {
      await client.set('k', 'v');
      const connections = Number((await rawStats(mc)).total_connections);
      for (const timeout of [0, -1, Number.NaN, 2 ** 31, '100']) {
        for (const [name, call] of Object.entries(everyMethod(client, { timeout }))) {
          expect(await codeAndMessage(call), `${name} ${String(timeout)}`).toMatch(
            new RegExp(`^ERR_INVALID_ARGUMENT: ${name}: option timeout must be a number of milliseconds`),
          );
        }
      }
      expect(await client.get('k')).toBe('v');
      // The same connection still serves: none was destroyed, none counted as a failure.
      expect(Number((await rawStats(mc)).total_connections)).toBe(connections + 1);
      expect(
        (client as unknown as { ctx: { cluster: { pools: Array<{ failures: number }> } } }).ctx.cluster
          .pools[0]!.failures,
      ).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('other bad option values and arguments', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      const cases: Array<[() => Promise<unknown>, RegExp]> = [
        [() => client.get('k', { signal: {} as AbortSignal }), /option signal must be an AbortSignal/],
        [() => client.set('k', 'v', { noreply: 'yes' as never }), /option noreply must be true or false/],
        [() => client.getMulti(['k'], { keyPrefix: 1 as never }), /option keyPrefix must be a string/],
        [() => client.getOrSet('k', () => 1, { lockTtl: 0 }), /option lockTtl/],
        [() => client.getOrSet('k', () => 1, { waitTimeout: -1 }), /option waitTimeout/],
        [() => client.getMulti('k' as never), /getMulti: keys must be an array, got "k"/],
        [() => client.deleteMulti('k' as never), /deleteMulti: keys must be an array/],
        [() => client.setMulti(null as never), /setMulti: entries must be/],
      ];
      for (const [call, message] of cases) {
        const result = await codeAndMessage(call);
        expect(result).toMatch(/^ERR_INVALID_ARGUMENT/);
        expect(result).toMatch(message);
      }
      // null is the same as no options (a common JavaScript habit).
      expect(await client.get('absent', null as never)).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('every kind of call has its option names', () => {
    expect(Object.keys(CALL_OPTIONS).sort()).toEqual([
      'arithmetic',
      'command',
      'getOrSet',
      'multi',
      'raw',
      'setMulti',
      'store',
      'write',
    ]);
  });
});
