/**
 * Keys moved away by a membership change (discovery adds C: some of A's and
 * B's keys go to C), written there, then moved back (C removed): their old
 * owners must not serve the values from before the move. Writes of moved
 * keys note them on their old owner, where they are deleted in the
 * background (and read as misses there until they are).
 */
import diagnostics from 'node:diagnostics_channel';
import { type MemcachedInstance, rawStats, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CENSUS_CHANNEL, Client, type ClientCensus, type InvalidationMessage } from '../../src/index';
import { ConfigResponder, entry } from '../helpers/config-responder';
import { nextTopology } from '../helpers/load';
import { Tally } from './scenario';

let mcs: MemcachedInstance[];
let endpoint: ConfigResponder;

beforeEach(async () => {
  mcs = await startMemcachedCluster(3);
  endpoint = await ConfigResponder.start({ kind: 'silent' });
});
afterEach(async () => {
  await endpoint.stop();
  await stopAll(mcs);
});

const keys = Array.from({ length: 300 }, (_, i) => `moved:${i}`);

async function setTopology(client: Client, version: number, nodes: MemcachedInstance[]): Promise<void> {
  endpoint.mode = { kind: 'config', version, nodes: nodes.map((m) => entry(m.port)) };
  expect((await nextTopology(client)).version).toBe(version);
}

async function readAll(client: Client, expected: string, stale: string[]): Promise<Tally> {
  const tally = new Tally(2000);
  for (const k of keys) {
    const r = await tally.time(() => client.get(k));
    if (r.ok) tally.read(r.value, expected, stale);
  }
  return tally;
}

/** Keys noted for invalidation and not yet delivered, over every server of every client (the census). */
function pendingInvalidations(): number {
  const c: ClientCensus = { clients: [] };
  diagnostics.channel(CENSUS_CHANNEL).publish(c);
  return c.clients.flatMap((cl) => cl.servers).reduce((n, s) => n + s.pendingInvalidations, 0);
}

/** C joins, every key is set to "v2", C leaves: the moved keys are back on A and B. */
async function moveAndBack(invalidationBudget?: number) {
  const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
  endpoint.mode = { kind: 'config', version: 1, nodes: [entry(a.port), entry(b.port)] };
  const client = new Client({
    discovery: { configEndpoint: endpoint.address, interval: 50 },
    timeout: 2000,
    ...(invalidationBudget === undefined ? {} : { invalidationBudget }),
  });
  const seen: InvalidationMessage[] = [];
  client.on('invalidation', (m: InvalidationMessage) => seen.push(m));
  expect((await nextTopology(client)).version).toBe(1);
  for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
  const owners = keys.map((k) => client.serverFor(k));
  await setTopology(client, 2, [a, b, c]);
  const moved = keys.filter((k, i) => client.serverFor(k) !== owners[i]);
  expect(moved.length).toBeGreaterThan(30);
  for (const k of keys) expect(await client.set(k, 'v2')).toBe(true);
  await setTopology(client, 3, [a, b]);
  expect(keys.map((k) => client.serverFor(k))).toEqual(owners);
  return { client, moved, seen };
}

describe('keys moved by a membership change', () => {
  it('are not served stale by their old owner when they move back', async () => {
    const { client, moved, seen } = await moveAndBack();
    try {
      // At once: each moved key is deleted on its old owner, or read as a miss there until it is.
      const first = await readAll(client, 'v2', ['v1']);
      expect(first.stale, 'moved keys that read "v1" again').toBe(0);
      expect(first.wrong).toBe(0);
      expect(first.rejections).toBe(0);
      expect(first.hits).toBeGreaterThanOrEqual(keys.length - moved.length);
      // Once the background deletes are delivered: still nothing stale, nothing pending.
      for (let i = 0; pendingInvalidations() > 0; i++) {
        expect(i).toBeLessThan(200);
        await new Promise((r) => setTimeout(r, 25));
      }
      const delivered = seen.filter((m) => m.kind === 'delivered').reduce((n, m) => n + m.keys, 0);
      expect(delivered).toBeGreaterThanOrEqual(moved.length);
      const then = await readAll(client, 'v2', ['v1']);
      expect(then.stale).toBe(0);
      expect(then.hits).toBe(keys.length - moved.length);
    } finally {
      await client.close();
    }
  });

  it('a moved key written again and again costs its old owner one delete, not one per write', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    endpoint.mode = { kind: 'config', version: 1, nodes: [entry(a.port), entry(b.port)] };
    const client = new Client({
      discovery: { configEndpoint: endpoint.address, interval: 50 },
      timeout: 2000,
    });
    const deletes = async () => {
      let n = 0;
      for (const m of [a, b]) {
        const s = await rawStats(m);
        n += Number(s.delete_hits) + Number(s.delete_misses);
      }
      return n;
    };
    try {
      expect((await nextTopology(client)).version).toBe(1);
      for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
      const owners = keys.map((k) => client.serverFor(k));
      await setTopology(client, 2, [a, b, c]);
      const moved = keys.filter((k, i) => client.serverFor(k) !== owners[i]);
      const before = await deletes();
      for (let round = 0; round < 3; round++) {
        for (const k of moved) expect(await client.set(k, `v${round + 2}`)).toBe(true);
        // Delivered before the next round.
        for (let i = 0; pendingInvalidations() > 0; i++) {
          expect(i).toBeLessThan(200);
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      expect(await deletes()).toBe(before + moved.length);
      // Still right: back on A and B, nothing from before the move.
      await setTopology(client, 3, [a, b]);
      for (const k of moved) expect(await client.get(k)).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('tracks the last few changes, not just the last: a key moved two changes ago is not served stale either', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    endpoint.mode = { kind: 'config', version: 1, nodes: [entry(a.port), entry(b.port)] };
    const client = new Client({
      discovery: { configEndpoint: endpoint.address, interval: 50 },
      timeout: 2000,
    });
    try {
      expect((await nextTopology(client)).version).toBe(1);
      for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
      const owners = keys.map((k) => client.serverFor(k));
      // C joins: some of A's keys move to C (and are not written yet)...
      await setTopology(client, 2, [a, b, c]);
      const at = (m: MemcachedInstance) => `localhost:${m.port}`;
      const fromA = keys.filter((k, i) => owners[i] === at(a) && client.serverFor(k) === at(c));
      expect(fromA.length).toBeGreaterThan(10);
      // ...then B leaves (its keys spread over A and C; A's moved keys stay on C), and every key is written.
      await setTopology(client, 3, [a, c]);
      for (const k of keys) expect(await client.set(k, 'v2')).toBe(true);
      // Back to A and B: A's keys that went to C come home to A, which must not serve "v1".
      await setTopology(client, 4, [a, b]);
      const tally = await readAll(client, 'v2', ['v1']);
      expect(tally.stale, 'keys moved two changes ago that read "v1" again').toBe(0);
      expect(tally.wrong).toBe(0);
      for (const k of fromA) expect(await client.get(k)).not.toBe('v1');
    } finally {
      await client.close();
    }
  });

  it('with invalidationBudget: 0 the old owner serves the values from before the move (what the default prevents)', async () => {
    const { client, moved } = await moveAndBack(0);
    try {
      const tally = await readAll(client, 'v2', ['v1']);
      expect(tally.stale).toBe(moved.length);
    } finally {
      await client.close();
    }
  });
});
