/**
 * Thirty real memcached processes (`-m 8`) behind a configuration endpoint
 * (@memkit/server), through a dozen topology changes (adds, removes,
 * replacements) under a steady load. Across the whole run: 0 wrong values,
 * 0 rejected commands; every removed server receives no command from the
 * moment its removal was applied to the end of the run; and each change
 * moves only keys from removed servers or to added ones.
 *
 * Churn only ever adds fresh servers and removes original ones: taking away
 * a server that was added during the run would hand its keys back to servers
 * that still hold older values of them (stale reads after a flap), which is
 * a separate concern from applying a topology correctly.
 */

import { type MemkitServer, startServer } from '@memkit/server';
import { type MemcachedInstance, rawStats, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../src/index';
import { nextTopology, startLoad } from './helpers/load';

let mcs: MemcachedInstance[] = [];
let endpoint: MemkitServer;

beforeAll(async () => {
  mcs = await startMemcachedCluster(30, { memoryMb: 8, threads: 1 });
}, 60_000);
afterAll(async () => {
  await endpoint?.close();
  await stopAll(mcs);
});

const PROBES = Array.from({ length: 2000 }, (_, i) => `churn-probe:${i}`);
const COUNTERS = [
  'cmd_get',
  'cmd_set',
  'cmd_touch',
  'delete_hits',
  'delete_misses',
  'get_hits',
  'get_misses',
];

async function counters(m: MemcachedInstance): Promise<string> {
  const s = await rawStats(m);
  return COUNTERS.map((n) => `${n}=${s[n]}`).join(' ');
}

it('thirty memcacheds through adds, removes and replacements under load', { timeout: 120_000 }, async () => {
  const original = mcs.slice(0, 20);
  const spare = mcs.slice(20);
  let members = [...original];
  endpoint = await startServer({ clusterConfig: { nodes: members.map((m) => m.address) } });
  const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 25 }, timeout: 3000 });
  try {
    await nextTopology(client);
    const load = startLoad(client, 8, 250, 'churn');
    await load.more(2000);
    const removedAt = new Map<MemcachedInstance, string>();
    const plan: Array<'add' | 'remove' | 'replace'> = [
      'add',
      'remove',
      'replace',
      'add',
      'remove',
      'replace',
    ];
    let nextSpare = 0;
    let nextRemoval = 0;
    for (const step of [...plan, ...plan]) {
      const leaving = step === 'add' ? [] : [original[nextRemoval++]!];
      const joining = step === 'remove' ? [] : [spare[nextSpare++]!];
      members = [...members.filter((m) => !leaving.includes(m)), ...joining];
      const before = PROBES.map((k) => client.serverFor(k));
      const applied = nextTopology(client);
      endpoint.setClusterNodes(members.map((m) => m.address));
      const event = await applied;
      expect(event.added).toEqual(joining.map((m) => m.address));
      expect(event.removed).toEqual(leaving.map((m) => m.address));
      const after = PROBES.map((k) => client.serverFor(k));
      for (let i = 0; i < PROBES.length; i++) {
        if (before[i] === after[i]) continue;
        const fromLeaving = leaving.some((m) => m.address === before[i]);
        const toJoining = joining.some((m) => m.address === after[i]);
        expect(fromLeaving || toJoining, `${PROBES[i]} moved ${before[i]} -> ${after[i]}`).toBe(true);
      }
      // Drained: what was sent before the change has settled; from now on nothing may reach them.
      await load.quiesce();
      for (const m of leaving) removedAt.set(m, await counters(m));
      await load.more(1500);
    }
    await load.more(3000);
    await load.stop();
    for (const [m, atRemoval] of removedAt) expect(await counters(m), m.address).toBe(atRemoval);
    // Their connections were closed: as many open as on a server this client never used.
    const unused = (await rawStats(spare.at(-1)!)).curr_connections;
    for (const m of removedAt.keys()) expect((await rawStats(m)).curr_connections, m.address).toBe(unused);
    expect(client.servers()).toEqual(members.map((m) => m.address).sort());
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
    expect(load.ops).toBeGreaterThan(20_000);
  } finally {
    await client.close();
  }
});
