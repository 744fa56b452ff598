/**
 * Discovery from @memkit/server in its configuration-endpoint mode (node
 * lists changed at run time), with TLS (nodes dialled at their IP, their
 * certificate verified against their host name), new servers connected
 * lazily, and the MemCachier auth handshake byte for byte.
 */
import diagnostics from 'node:diagnostics_channel';
import { connect, createServer, type Socket } from 'node:net';
import { type MemkitServer, startServer } from '@memkit/server';
import { generateTlsMaterial, type MemcachedInstance, startMemcached, stopAll } from '@memkit/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../src/index';
import { nextTopology } from './helpers/load';

const clients: Client[] = [];
const servers: MemkitServer[] = [];
const mcs: MemcachedInstance[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => stopAll(mcs));

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<MemkitServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

describe('@memkit/server as the configuration endpoint', () => {
  it('follows setClusterNodes; new servers connect on their first request', async () => {
    const [a, b] = [await server(), await server()];
    const endpoint = await server({ clusterConfig: { nodes: [a.address] } });
    const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 30 } });
    clients.push(client);
    const connected: string[] = [];
    client.on('connect', (address: string) => connected.push(address));
    const published: unknown[] = [];
    const onTopology = (m: unknown) => published.push(m);
    diagnostics.subscribe('memkit:topology', onTopology);
    expect(await nextTopology(client)).toMatchObject({ version: 1, servers: [a.address] });
    diagnostics.unsubscribe('memkit:topology', onTopology);
    expect(published).toEqual([
      { version: 1, servers: [a.address], added: [a.address], removed: [], moved: [] },
    ]);
    await client.set('k', 'v');
    expect(connected).toEqual([a.address]);

    endpoint.setClusterNodes([a.address, b.address]);
    expect(await nextTopology(client)).toMatchObject({ version: 2, added: [b.address] });
    // Lazily: no connection to b until a key routes there.
    expect(connected).toEqual([a.address]);
    let key = 0;
    while (client.serverFor(`k${key}`) !== b.address) key++;
    await client.set(`k${key}`, 'on b');
    // The key moved from a to b: a also gets a delete of it in the background (its old copy would be
    // stale if the key moved back), which may open a second connection to a.
    expect([...new Set(connected)]).toEqual([a.address, b.address]);
    expect(b.stats().curr_items).toBe(1);
  });
});

describe('TLS', () => {
  it('dials the IP the endpoint gives and verifies the certificate against the host name', async () => {
    const material = await generateTlsMaterial({ servername: 'node-1.cache.internal', ipAddresses: [] });
    const mc = await startMemcached({ tls: { material } });
    mcs.push(mc);
    const good = await server({ clusterConfig: { nodes: [`node-1.cache.internal|127.0.0.1|${mc.port}`] } });
    const client = new Client({
      // The endpoint here speaks plain TCP; the memcached nodes TLS.
      discovery: { configEndpoint: good.address, interval: 1000, tls: false },
      tls: { ca: material.ca },
    });
    clients.push(client);
    expect((await nextTopology(client)).servers).toEqual([`node-1.cache.internal:${mc.port}`]);
    expect(await client.set('tls', 'yes')).toBe(true);
    expect(await client.get('tls')).toBe('yes');

    // The same server published under another name must fail verification.
    const wrong = await server({ clusterConfig: { nodes: [`other.cache.internal|127.0.0.1|${mc.port}`] } });
    const strict = new Client({
      discovery: { configEndpoint: wrong.address, interval: 1000, tls: false },
      tls: { ca: material.ca },
    });
    clients.push(strict);
    await nextTopology(strict);
    await expect(strict.get('tls')).rejects.toMatchObject({ code: 'ERR_TLS' } satisfies Partial<MemkitError>);
  });
});

describe('MemCachier auth', () => {
  it('sends set <user> 0 0 <len> + password as the very first bytes, then works against an enforcing server', async () => {
    const auth = {
      username: '15F38e',
      password: '52353F9F1C4017CC16FD348B982ED47D',
      mode: 'memcachier',
    } as const;
    const upstream = await server({ auth });
    // A recording hop in front of the server, to see the exact bytes on the wire.
    const first: Buffer[] = [];
    const hop = createServer((inbound: Socket) => {
      const out = connect(upstream.port, '127.0.0.1');
      inbound.on('data', (d: Buffer) => {
        first.push(d);
        out.write(d);
      });
      out.on('data', (d: Buffer) => inbound.write(d));
      inbound.on('close', () => out.destroy());
      out.on('close', () => inbound.destroy());
      inbound.on('error', () => {});
      out.on('error', () => {});
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
    const port = (hop.address() as { port: number }).port;
    try {
      const client = new Client({
        servers: [`127.0.0.1:${port}`],
        protocol: 'text',
        auth,
        connectionsPerServer: 1,
      });
      clients.push(client);
      expect(await client.set('after-auth', 'ok')).toBe(true);
      expect(await client.get('after-auth')).toBe('ok');
      expect(Buffer.concat(first).toString('latin1')).toMatch(
        /^set 15F38e 0 0 32\r\n52353F9F1C4017CC16FD348B982ED47D\r\nset after-auth /,
      );
      expect(upstream.stats()).toMatchObject({ auth_cmds: 1, auth_errors: 0, curr_items: 1 });

      const bad = new Client({
        servers: [upstream.address],
        protocol: 'text',
        auth: { ...auth, password: 'wrong' },
        connectTimeout: 500,
      });
      clients.push(bad);
      await expect(bad.get('x')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await new Promise((r) => hop.close(r));
    }
  });

  it('refuses a user name that cannot go on the wire as a key', () => {
    expect(() => new Client({ auth: { username: 'a b', password: 'p', mode: 'memcachier' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
