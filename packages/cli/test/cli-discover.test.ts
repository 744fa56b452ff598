/**
 * `--discover host:port`: the CLI reads the servers from a configuration
 * endpoint (here memkit-server's `clusterConfig` mode publishing two real
 * memcacheds): `stats` shows the published nodes, key commands route over
 * them, and the dashboard follows the endpoint as it adds a node.
 */
import { type MemkitServer, startServer } from '@memkit/server';
import { type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardState } from '../src/dashboard/wire';
import { exited, memkit, spawnMemkit, waitForOutput } from './helpers/cli';

let mcs: MemcachedInstance[] = [];
let endpoint: MemkitServer;

beforeAll(async () => {
  mcs = await startMemcachedCluster(3);
  endpoint = await startServer({ clusterConfig: { nodes: [mcs[0]!.address, mcs[1]!.address] } });
});
afterAll(async () => {
  await endpoint.close();
  await stopAll(mcs);
});

describe('memkit --discover', () => {
  it('stats shows every node the endpoint publishes', async () => {
    const r = await memkit(['stats', '--discover', endpoint.address, '--interval', '0', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.servers.map((s: { server: string }) => s.server)).toEqual(
      [mcs[0]!.address, mcs[1]!.address].sort(),
    );
    expect(json.servers.every((s: { up: boolean }) => s.up)).toBe(true);
    const table = await memkit(['stats', '--discover', endpoint.address, '--interval', '0']);
    expect(table.code).toBe(0);
    for (const m of mcs.slice(0, 2)) expect(table.stdout).toContain(m.address);
  });

  it('key commands route over the discovered nodes', async () => {
    expect((await memkit(['set', 'discovered-key', 'hello', '--discover', endpoint.address])).code).toBe(0);
    const got = await memkit(['get', 'discovered-key', '--discover', endpoint.address]);
    expect(got).toMatchObject({ code: 0, stdout: 'hello\n' });
  });

  it('refuses --servers with --discover, and reports an endpoint that does not answer', async () => {
    const both = await memkit(['stats', '--discover', endpoint.address, '-s', mcs[0]!.address]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--servers or --discover');
    const down = await memkit(['stats', '--discover', '127.0.0.1:1', '--timeout', '300']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/configuration endpoint 127\.0\.0\.1:1: .*ECONNREFUSED.*\(ERR_DISCOVERY\)/);
  });

  it('the dashboard shows the published nodes and follows a change', async () => {
    const child = spawnMemkit([
      'dashboard',
      '--port',
      '0',
      '--interval',
      '200',
      '--discover',
      endpoint.address,
    ]);
    try {
      const [line, url] = await waitForOutput(
        child,
        /memkit dashboard on (http:\/\/\S+) watching the nodes .*/,
      );
      expect(line).toContain(endpoint.address);
      const state = async () => (await (await fetch(new URL('/api/state', url))).json()) as DashboardState;
      expect((await state()).servers).toEqual([mcs[0]!.address, mcs[1]!.address].sort());
      endpoint.setClusterNodes(mcs.map((m) => m.address));
      let servers: string[] = [];
      for (let i = 0; i < 100 && servers.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        servers = (await state()).servers;
      }
      expect(servers).toEqual(mcs.map((m) => m.address).sort());
      // And the new node is sampled, not just listed.
      let last: DashboardState['history'][number] | undefined;
      for (let i = 0; i < 50 && (last?.servers.length ?? 0) < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        last = (await state()).history.at(-1);
      }
      expect(last!.servers.find((s) => s.server === mcs[2]!.address)).toMatchObject({ up: true });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  });
});
