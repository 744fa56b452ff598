/**
 * Calls that touch several servers, with one of two servers down and with
 * every server down (one real memcached, one address nobody listens on):
 * admin calls resolve one `ServerResult` per server; key-spanning calls
 * reject with ERR_PARTIAL_FAILURE (what the live server answered in
 * `.partial`, the down server's keys in `.failures`) or, when every server
 * failed, with the first underlying error.
 */
import { getFreePort } from '@memkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  type ClientOptions,
  isPartialFailure,
  MemkitError,
  PartialFailureError,
  type ServerResult,
} from '../src/index';
import { useClients } from './helpers/clients';
import { useLiveAndDown } from './helpers/servers';

const env = useLiveAndDown();
const track = useClients();
beforeEach(async () => {
  const direct = new Client({ servers: [env.live.address] });
  await direct.flushAll();
  await direct.close();
});

/** A client over `servers`; a down server is never marked dead (its keys do not move), unless `options` say so. */
function open(servers: string[], options: Omit<ClientOptions, 'servers'> = {}): Client {
  return track({ servers, failureThreshold: 1_000_000, timeout: 2000, ...options });
}

/** Keys split by the server that holds them. */
function split(client: Client, n = 60): { up: string[]; off: string[]; all: string[] } {
  const all = Array.from({ length: n }, (_, i) => `pf:${i}`);
  const up = all.filter((k) => client.serverFor(k) === env.live.address);
  const off = all.filter((k) => client.serverFor(k) === env.down);
  expect(up.length).toBeGreaterThan(5);
  expect(off.length).toBeGreaterThan(5);
  return { up, off, all };
}

async function rejection(p: Promise<unknown>): Promise<MemkitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MemkitError);
  return err as MemkitError;
}

function expectResults<T>(results: ServerResult<T>[], servers: string[]): void {
  expect(results.map((r) => r.server)).toEqual(servers);
  for (const r of results) {
    if (r.server === env.down) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('ERR_CONNECT');
    } else expect(r.ok).toBe(true);
  }
}

describe('admin calls resolve one result per server, in configuration order', () => {
  it('stats() with 1 of 2 servers down', async () => {
    for (const servers of [
      [env.live.address, env.down],
      [env.down, env.live.address],
    ]) {
      const client = open(servers);
      const results = await client.stats();
      expectResults(results, servers);
      const live = results.find((r) => r.ok);
      expect(live?.ok && Number(live.value.pid)).toBe(env.live.pid);
    }
  });

  it('version(), flushAll() and metadump() with 1 of 2 servers down', async () => {
    const servers = [env.live.address, env.down];
    const client = open(servers);
    const versions = await client.version();
    expectResults(versions, servers);
    expect(versions[0]?.ok && versions[0].value).toMatch(/^\d+\.\d+\.\d+/);
    expectResults(await client.flushAll(), servers);
    const { up } = split(client);
    await client.set(up[0]!, 'x');
    const dump = await client.metadump();
    expectResults(dump, servers);
    expect(dump[0]?.ok && dump[0].value.map((i) => i.key)).toContain(up[0]);
  });

  it('every server down: resolves, every result a failure', async () => {
    const other = `127.0.0.1:${await getFreePort()}`;
    const client = open([env.down, other]);
    for (const results of [await client.stats(), await client.version(), await client.flushAll()]) {
      expect(results.map((r) => [r.server, r.ok])).toEqual([
        [env.down, false],
        [other, false],
      ]);
    }
  });
});

describe('key-spanning calls: ERR_PARTIAL_FAILURE with what the live server answered', () => {
  it('getMulti: .partial holds the live server’s hits, .failures the down server’s keys', async () => {
    const client = open([env.live.address, env.down]);
    const { up, off, all } = split(client);
    const direct = open([env.live.address]);
    await direct.setMulti(up.map((k) => [k, `v-${k}`] as const));
    const err = await rejection(client.getMulti(all));
    expect(err.code).toBe('ERR_PARTIAL_FAILURE');
    expect(isPartialFailure(err)).toBe(true);
    expect(err).toBeInstanceOf(PartialFailureError);
    const partial = (err as PartialFailureError<Map<string, unknown>>).partial;
    expect([...partial.entries()]).toEqual(up.map((k) => [k, `v-${k}`]));
    const { failures } = err as PartialFailureError<unknown>;
    expect(failures).toHaveLength(1);
    expect(failures[0]!.server).toBe(env.down);
    expect(failures[0]!.keys).toEqual(off);
    expect(failures[0]!.error.code).toBe('ERR_CONNECT');
    expect(err.message).toContain(env.down);
  });

  it('getsMulti: the same, each hit with its cas', async () => {
    const client = open([env.live.address, env.down]);
    const { up, all } = split(client);
    await open([env.live.address]).set(up[0]!, 'one');
    const err = await rejection(client.getsMulti(all));
    expect(err.code).toBe('ERR_PARTIAL_FAILURE');
    const partial = (err as PartialFailureError<Map<string, { value: unknown; cas: bigint }>>).partial;
    expect([...partial.keys()]).toEqual([up[0]]);
    expect(typeof partial.get(up[0]!)?.cas).toBe('bigint');
  });

  it('setMulti: stored on the live server, the down server’s keys in .failures', async () => {
    const client = open([env.live.address, env.down]);
    const { up, off, all } = split(client);
    const err = await rejection(client.setMulti(all.map((k) => [k, 1] as const)));
    expect(err.code).toBe('ERR_PARTIAL_FAILURE');
    expect((err as PartialFailureError<string[]>).partial).toEqual([]);
    expect((err as PartialFailureError<string[]>).failures.map((f) => f.keys)).toEqual([off]);
    expect((await open([env.live.address]).getMulti(up)).size).toBe(up.length);
  });

  it('deleteMulti: .partial lists only the NOT_FOUND keys of the live server, never the failed ones', async () => {
    const client = open([env.live.address, env.down]);
    const { up, off, all } = split(client);
    const present = up.slice(0, 3);
    await open([env.live.address]).setMulti(present.map((k) => [k, 1] as const));
    const err = await rejection(client.deleteMulti(all));
    expect(err.code).toBe('ERR_PARTIAL_FAILURE');
    expect((err as PartialFailureError<string[]>).partial).toEqual(up.slice(3));
    expect((err as PartialFailureError<string[]>).failures.map((f) => f.keys)).toEqual([off]);
  });

  it('every server down: setMulti and deleteMulti reject with the first server’s error', async () => {
    const other = `127.0.0.1:${await getFreePort()}`;
    const client = open([env.down, other]);
    const keys = Array.from({ length: 20 }, (_, i) => `all-down:${i}`);
    for (const call of [
      () => client.setMulti(keys.map((k) => [k, 1] as const)),
      () => client.deleteMulti(keys),
      () => client.getMulti(keys),
      () => client.getsMulti(keys),
    ]) {
      const err = await rejection(call());
      expect(err.code).toBe('ERR_CONNECT');
      // The first key's server is the first error.
      expect(err.server).toBe(client.serverFor(keys[0]!));
    }
  });

  it('a single-server client rejects with the error itself', async () => {
    const client = open([env.down]);
    expect((await rejection(client.setMulti([['a', 1]]))).code).toBe('ERR_CONNECT');
    expect((await rejection(client.deleteMulti(['a']))).code).toBe('ERR_CONNECT');
  });

  it("keys of a server marked dead (failover: 'error') are failures of that server (ERR_SERVER_DEAD)", async () => {
    const client = open([env.live.address, env.down], { failover: 'error', failureThreshold: 1 });
    const { up, off, all } = split(client);
    const dead = new Promise((resolve) => client.once('server:dead', resolve));
    await client.get(off[0]!).catch(() => undefined);
    expect(await dead).toBe(env.down);
    await open([env.live.address]).set(up[0]!, 'here');
    const err = await rejection(client.getMulti(all));
    expect(err.code).toBe('ERR_PARTIAL_FAILURE');
    const failure = (err as PartialFailureError<Map<string, unknown>>).failures;
    expect(failure.map((f) => [f.server, f.keys, f.error.code])).toEqual([
      [env.down, off, 'ERR_SERVER_DEAD'],
    ]);
    expect([...(err as PartialFailureError<Map<string, unknown>>).partial.keys()]).toEqual([up[0]]);
    const writes = await rejection(client.deleteMulti(all));
    expect((writes as PartialFailureError<string[]>).failures[0]!.error.code).toBe('ERR_SERVER_DEAD');
  });

  it('isPartialFailure tells a partial failure from any other error', () => {
    expect(isPartialFailure(new MemkitError('ERR_CONNECT', 'x'))).toBe(false);
    expect(isPartialFailure(new Error('x'))).toBe(false);
    expect(isPartialFailure(undefined)).toBe(false);
    const e = new PartialFailureError('getMulti', new Map(), [
      { server: 'a:1', keys: ['k'], error: new MemkitError('ERR_TIMEOUT', 't') },
    ]);
    expect(isPartialFailure(e)).toBe(true);
    expect(e.code).toBe('ERR_PARTIAL_FAILURE');
    expect(e.cause).toBe(e.failures[0]!.error);
  });
});
