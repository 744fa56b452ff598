/**
 * The flap of issue 20, with the client's defaults: 300 keys "v1"; B frozen
 * for 4 s while every key is set to "v2" (B's keys are rehashed to A and C
 * once B is marked dead); B thawed with its old items. Reading every key
 * afterwards must never give "v1" back.
 */
import { describe, expect, it } from 'vitest';
import { Client, type InvalidationMessage } from '../../src/index';
import { useClusterPerTest } from '../helpers/servers';
import { addresses, freeze, nextEvent, setUntilStored, Tally } from './scenario';

const servers = useClusterPerTest(3);

const keys = Array.from({ length: 300 }, (_, i) => `flap:${i}`);

/** Freezes B for 4 s while every key is set to `to`; thaws it and waits until it is back. */
async function flapWhileWriting(client: Client, to: string): Promise<void> {
  const b = servers[1]!;
  const frozenAt = performance.now();
  await freeze(b);
  await Promise.all(keys.map((k) => setUntilStored(client, k, to)));
  const alive = nextEvent(client, 'server:alive', b.address);
  await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (performance.now() - frozenAt))));
  b.kill('SIGCONT');
  await alive;
}

/** Reads every key once: `expected` is a hit, anything in `stale` a stale read. */
async function readAll(client: Client, expected: string, stale: string[]): Promise<Tally> {
  const tally = new Tally(300 + 50);
  for (const k of keys) {
    const r = await tally.time(() => client.get(k));
    if (r.ok) tally.read(r.value, expected, stale);
  }
  return tally;
}

async function flap(client: Client): Promise<Tally> {
  const b = servers[1]!;
  for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
  const bKeys = keys.filter((k) => client.serverFor(k) === b.address);
  expect(bKeys.length).toBeGreaterThan(30);
  await flapWhileWriting(client, 'v2');
  expect(client.serverFor(bKeys[0]!)).toBe(b.address);
  return readAll(client, 'v2', ['v1']);
}

function invalidations(client: Client): InvalidationMessage[] {
  const seen: InvalidationMessage[] = [];
  client.on('invalidation', (m: InvalidationMessage) => seen.push(m));
  return seen;
}

describe('a server that flaps (frozen, then back with its old items)', () => {
  it.each([
    ['meta (the default)', {}],
    ["text (invalidated with pipelined 'delete')", { protocol: 'text' as const }],
  ])('serves no stale value afterwards, with the default options: %s', async (_, protocol) => {
    const client = new Client({
      servers: addresses(servers),
      timeout: 300,
      deadRetryDelay: 1000,
      ...protocol,
    });
    try {
      const seen = invalidations(client);
      const tally = await flap(client);
      expect(tally.stale, 'keys that read "v1" again').toBe(0);
      expect(tally.wrong).toBe(0);
      expect(tally.rejections).toBe(0);
      // What B missed was deleted on it: the keys whose sets went elsewhere.
      const replayed = seen.find((m) => m.kind === 'replayed' && m.server === servers[1]!.address);
      expect(replayed?.keys).toBeGreaterThan(30);
      // Keys B did not miss still hit: only B's were touched.
      expect(tally.hits).toBeGreaterThanOrEqual(300 - replayed!.keys);
    } finally {
      await client.close();
    }
  });

  it('serves no stale value when the budget overflows: B is flushed on its return instead, and says so', async () => {
    const client = new Client({
      servers: addresses(servers),
      timeout: 300,
      deadRetryDelay: 1000,
      invalidationBudget: 10,
    });
    try {
      const seen = invalidations(client);
      const tally = await flap(client);
      expect(tally.stale, 'keys that read "v1" again').toBe(0);
      expect(tally.wrong).toBe(0);
      const b = servers[1]!.address;
      expect(seen.find((m) => m.kind === 'overflow' && m.server === b)?.message).toMatch(
        /invalidationBudget/,
      );
      expect(seen.find((m) => m.kind === 'flushed' && m.server === b)?.message).toMatch(/flushed/);
    } finally {
      await client.close();
    }
  });

  it('a double flap serves no stale value: the copies left on A and C are deleted once B is back', async () => {
    const client = new Client({ servers: addresses(servers), timeout: 300, deadRetryDelay: 1000 });
    try {
      await flap(client);
      // B is back with the keys' homes; "v3" goes to B, while A and C still hold "v2" copies of B's keys...
      for (const k of keys) expect(await client.set(k, 'v3')).toBe(true);
      // ...until B dies again and its keys move to A and C once more.
      const b = servers[1]!;
      let dead = false;
      void nextEvent(client, 'server:dead', b.address).then(() => {
        dead = true;
      });
      await freeze(b);
      const bKeys = keys.filter((k) => client.serverFor(k) === b.address);
      // Reads of B's keys time out until B is marked dead (failureThreshold: 2 timeouts).
      for (let round = 0; !dead; round++) {
        expect(round).toBeLessThan(20);
        await Promise.all(bKeys.map((k) => client.get(k).catch(() => undefined)));
      }
      const tally = await readAll(client, 'v3', ['v1', 'v2']);
      expect(tally.stale, 'keys that read an old value from a copy left on A or C').toBe(0);
      expect(tally.wrong).toBe(0);
      expect(tally.misses).toBeGreaterThanOrEqual(bKeys.length);
    } finally {
      await client.close();
    }
  });

  it('with invalidationBudget: 0 the old values come back (what the default prevents)', async () => {
    const client = new Client({
      servers: addresses(servers),
      timeout: 300,
      deadRetryDelay: 1000,
      invalidationBudget: 0,
    });
    try {
      const tally = await flap(client);
      console.info(`flap without invalidation: ${tally.stale} of ${keys.length} keys read their old value`);
      expect(tally.stale).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
