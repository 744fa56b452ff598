/**
 * The near cache under the partial-failure model: a getMulti/getsMulti
 * served partly from the near cache and partly from servers, with one of
 * two servers down (a real memcached and an address nobody listens on).
 * A failed server's keys are failures in ERR_PARTIAL_FAILURE, never misses;
 * the keys the near cache answered are in `.partial`, with the live
 * server's hits. Only when nothing answered (no near-cache hit, every
 * server failed) does the call reject with the server's own error.
 */
import { describe, expect, it } from 'vitest';
import {
  type CasResult,
  type Client,
  isPartialFailure,
  MemkitError,
  type PartialFailureError,
} from '../src/index';
import { useClients } from './helpers/clients';
import { driveClock, stats, warm } from './helpers/near';
import { useLiveAndDown } from './helpers/servers';

const env = useLiveAndDown();
const track = useClients();

/** A near-cache client over the live and the down server (the down one is never marked dead: its keys stay). */
function open(): Client {
  const client = track({
    servers: [env.live.address, env.down],
    nearCache: { maxAge: 60_000 },
    failureThreshold: 1_000_000,
    timeout: 2000,
  });
  driveClock(client); // the entries never expire during a test
  return client;
}

/** Keys held by the live server (`hot` warmed into the near cache, `cold` not) and by the down one. */
async function setUp(client: Client, tag: string) {
  const all = Array.from({ length: 80 }, (_, i) => `npf:${tag}:${i}`);
  const up = all.filter((k) => client.serverFor(k) === env.live.address);
  const off = all.filter((k) => client.serverFor(k) === env.down);
  expect(up.length).toBeGreaterThan(8);
  expect(off.length).toBeGreaterThan(4);
  const hot = up.slice(0, 4);
  const cold = up.slice(4, 8);
  const direct = track({ servers: [env.live.address] });
  await direct.setMulti(up.map((k) => [k, `v:${k}`] as const));
  for (const k of hot) await warm(client, k);
  return { hot, cold, off: off.slice(0, 4) };
}

async function partialFailure<T>(p: Promise<unknown>): Promise<PartialFailureError<T>> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MemkitError);
  expect((err as MemkitError).code).toBe('ERR_PARTIAL_FAILURE');
  if (!isPartialFailure<T>(err)) throw new Error('not a PartialFailureError');
  return err;
}

describe('near cache + partial failures', () => {
  it('getMulti: near-cache hits and the live server’s hits in .partial, the down server’s keys in .failures', async () => {
    const client = open();
    const { hot, cold, off } = await setUp(client, 'a');
    const hitsBefore = stats(client).hits;
    const err = await partialFailure<Map<string, string>>(client.getMulti([...hot, ...off, ...cold]));
    expect(stats(client).hits - hitsBefore).toBe(hot.length);
    expect([...err.partial.keys()].sort()).toEqual([...hot, ...cold].sort());
    for (const k of [...hot, ...cold]) expect(err.partial.get(k)).toBe(`v:${k}`);
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0]!.server).toBe(env.down);
    expect(err.failures[0]!.keys).toEqual(off);
    expect(err.failures[0]!.error.code).toBe('ERR_CONNECT');
    // the down server's failed connects drop nothing the live server gave: its hot keys are still answered locally
    const hits = stats(client).hits;
    expect([...(await client.getMulti<string>(hot)).values()]).toEqual(hot.map((k) => `v:${k}`));
    expect(stats(client).hits - hits).toBe(hot.length);
  });

  it('getMulti: only the down server asked, the rest from the near cache: ERR_PARTIAL_FAILURE, not the server’s error', async () => {
    const client = open();
    const { hot, off } = await setUp(client, 'b');
    const err = await partialFailure<Map<string, string>>(client.getMulti([...off, ...hot]));
    expect([...err.partial.keys()].sort()).toEqual([...hot].sort());
    expect(err.failures.map((f) => [f.server, f.keys])).toEqual([[env.down, off]]);
  });

  it('getsMulti: the same, each hit with its cas', async () => {
    const client = open();
    const { hot, cold, off } = await setUp(client, 'c');
    const err = await partialFailure<Map<string, CasResult<string>>>(
      client.getsMulti([...hot, ...cold, ...off]),
    );
    expect([...err.partial.keys()].sort()).toEqual([...hot, ...cold].sort());
    for (const k of [...hot, ...cold]) {
      const r = err.partial.get(k)!;
      expect(r.value).toBe(`v:${k}`);
      expect(typeof r.cas).toBe('bigint');
    }
    const only = await partialFailure<Map<string, CasResult<string>>>(client.getsMulti([...off, ...hot]));
    expect([...only.partial.keys()].sort()).toEqual([...hot].sort());
    expect(only.failures.map((f) => f.keys)).toEqual([off]);
  });

  it('every key from the near cache: resolves without asking a server; nothing from it and the server down: its error', async () => {
    const client = open();
    const { hot, off } = await setUp(client, 'd');
    const all = await client.getMulti<string>(hot);
    expect([...all.keys()]).toEqual(hot);
    const err = await client.getMulti(off).then(
      () => undefined,
      (e: unknown) => e as MemkitError,
    );
    expect(err?.code).toBe('ERR_CONNECT');
  });
});
