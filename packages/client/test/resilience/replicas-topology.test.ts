/**
 * Replicas across membership changes (discovery): a server that stops
 * holding a key's copy when a server joins has that copy deleted on the
 * key's next write, so when the server leaves again and the copy is read
 * from it, the old value is not there.
 */
import { type MemkitServer, startServer } from '@memkit/server';
import { afterEach, expect, it } from 'vitest';
import { Client, type InvalidationMessage } from '../../src/index';
import { nextTopology } from '../helpers/load';

const clients: Client[] = [];
const servers: MemkitServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<MemkitServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

function direct(address: string): Client {
  const c = new Client({ servers: [address] });
  clients.push(c);
  return c;
}

it('copies left behind by a joining server are deleted, and never read back after it leaves', async () => {
  const [a, b, c, d] = await Promise.all([server(), server(), server(), server()]);
  const three = [a.address, b.address, c.address];
  const endpoint = await server({ clusterConfig: { nodes: three } });
  const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 30 }, replicas: 2 });
  clients.push(client);
  const delivered: InvalidationMessage[] = [];
  client.on('invalidation', (m: InvalidationMessage) => delivered.push(m));
  await nextTopology(client);
  const keys = Array.from({ length: 200 }, (_, i) => `topo:${i}`);
  for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
  const before = new Map(keys.map((k) => [k, client.replicasFor(k)]));

  endpoint.setClusterNodes([...three, d.address]);
  await nextTopology(client);
  // Keys with a copy on a server that no longer holds one (d took its place).
  const left = keys.flatMap((k) => {
    const now = client.replicasFor(k);
    return before
      .get(k)!
      .filter((s) => !now.includes(s))
      .map((s) => [k, s] as const);
  });
  expect(left.length).toBeGreaterThan(10);
  for (const [k] of left) expect(await client.set(k, 'v2')).toBe(true);
  // The old copies are deleted in the background (their servers are in service).
  for (let i = 0; i < 100; i++) {
    const held = await Promise.all(left.map(([k, s]) => direct(s).get(k)));
    if (held.every((v) => v === undefined)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const [k, s] of left) expect(await direct(s).get(k), `${k} on ${s}`).toBeUndefined();
  expect(delivered.some((m) => m.kind === 'delivered')).toBe(true);

  // d leaves: the keys are back on their first servers, which must not serve 'v1'.
  endpoint.setClusterNodes(three);
  await nextTopology(client);
  for (const [k] of left) expect(client.replicasFor(k)).toEqual(before.get(k));
  for (const [k] of left) expect(await client.get(k)).not.toBe('v1');
});

it('copies displaced two membership changes ago and written since are not read back either', async () => {
  const [a, b, c, d, e] = await Promise.all([server(), server(), server(), server(), server()]);
  const three = [a.address, b.address, c.address];
  const endpoint = await server({ clusterConfig: { nodes: three } });
  const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 30 }, replicas: 2 });
  clients.push(client);
  await nextTopology(client);
  const keys = Array.from({ length: 300 }, (_, i) => `topo2:${i}`);
  for (const k of keys) expect(await client.set(k, 'v1')).toBe(true);
  const before = new Map(keys.map((k) => [k, client.replicasFor(k)]));
  // Two changes with no write in between, then every key written.
  endpoint.setClusterNodes([...three, d.address]);
  await nextTopology(client);
  endpoint.setClusterNodes([...three, d.address, e.address]);
  await nextTopology(client);
  const moved = keys.filter((k) => before.get(k)!.some((s) => !client.replicasFor(k).includes(s)));
  expect(moved.length).toBeGreaterThan(30);
  for (const k of keys) expect(await client.set(k, 'v3')).toBe(true);
  // Back to the first three: whatever a copy holds must be from after the writes.
  endpoint.setClusterNodes(three);
  await nextTopology(client);
  const raw = three.map((s) => direct(s));
  for (let i = 0; i < 100; i++) {
    const held = await Promise.all(moved.flatMap((k) => raw.map((r) => r.get(k))));
    if (!held.includes('v1')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const k of moved) {
    expect(await client.get(k)).not.toBe('v1');
    for (const r of raw) expect(await r.get(k), k).not.toBe('v1');
  }
});
