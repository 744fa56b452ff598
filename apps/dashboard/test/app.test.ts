/**
 * The app as `pnpm start` runs it: on MEMCACHED_SERVERS, or on in-process
 * @memkit/servers when that is not set; prints its URL; stops on SIGINT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DashboardState } from '@memkit/cli';
import { startServer } from '@memkit/server';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let mc: MemcachedInstance;

beforeAll(async () => {
  mc = await startMemcached();
});

afterAll(async () => {
  await mc?.stop();
});

function start(args: string[], servers?: string): ChildProcess {
  const env = { ...process.env };
  delete env.MEMCACHED_SERVERS;
  if (servers) env.MEMCACHED_SERVERS = servers;
  return spawn(process.execPath, [MAIN, '--port', '0', '--interval', '200', ...args], { env, stdio: 'pipe' });
}

function firstLine(child: ChildProcess, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`no URL after ${timeoutMs} ms: ${out} ${err}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve(out.slice(0, out.indexOf('\n')));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before printing its URL: ${err}`));
    });
  });
}

async function stateWhen(url: string, ok: (s: DashboardState) => boolean): Promise<DashboardState> {
  let state: DashboardState | undefined;
  for (let i = 0; i < 60; i++) {
    state = (await (await fetch(new URL('/api/state', url))).json()) as DashboardState;
    if (ok(state)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`state never matched: ${JSON.stringify(state)}`);
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  // Never leave a child behind, even if it ignores SIGINT.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

describe('pnpm start', () => {
  it('watches MEMCACHED_SERVERS when it is set', async () => {
    const child = start([], mc.address);
    try {
      const line = await firstLine(child);
      expect(line).toMatch(new RegExp(`^dashboard on http://127\\.0\\.0\\.1:\\d+/ watching ${mc.address}$`));
      const url = line.split(' ')[2]!;
      const state = await stateWhen(url, (s) => s.history.length > 0);
      expect(state.servers).toEqual([mc.address]);
      expect(state.history.at(-1)!.servers[0]).toMatchObject({ up: true, version: '1.6.18' });
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('starts two in-process @memkit/servers and a demo load without MEMCACHED_SERVERS', async () => {
    const child = start(['--load']);
    try {
      const line = await firstLine(child);
      expect(line).toMatch(
        /watching in-process @memkit\/server 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ \(published by the endpoint 127\.0\.0\.1:\d+\) with a demo load$/,
      );
      const url = line.split(' ')[2]!;
      const state = await stateWhen(url, (s) => (s.history.at(-1)?.totals.opsPerSec ?? 0) > 0);
      expect(state.servers).toHaveLength(2);
      expect(state.history.at(-1)!.servers.every((s) => s.up)).toBe(true);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('follows a configuration endpoint given with --discover', async () => {
    const endpoint = await startServer({ clusterConfig: { nodes: [mc.address] } });
    const child = start(['--discover', endpoint.address]);
    try {
      const line = await firstLine(child);
      expect(line).toContain(`watching the nodes ${endpoint.address} publishes (${mc.address})`);
      const url = line.split(' ')[2]!;
      const state = await stateWhen(url, (s) => s.history.length > 0);
      expect(state.history.at(-1)!.servers[0]).toMatchObject({ server: mc.address, up: true });
    } finally {
      expect(await stop(child)).toBe(0);
      await endpoint.close();
    }
  });

  it('rejects a bad port with exit code 2', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '70000'], { stdio: 'pipe' });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port must be 0-65535');
  });
});

describe('embedded cluster', () => {
  it('shows the nodes its in-process endpoint publishes and follows a change', async () => {
    const { startDashboardApp } = await import('../src/index');
    const app = await startDashboardApp({ port: 0, intervalMs: 200, env: {} });
    const extra = await startServer({ port: 0 });
    try {
      expect(app.embedded).toBe(true);
      expect(app.endpoint!.clusterConfig()!.nodes).toHaveLength(2);
      const first = await stateWhen(app.url, (s) => s.history.length > 0);
      expect(first.servers).toEqual(
        app
          .endpoint!.clusterConfig()!
          .nodes.map((n) => `${n.host}:${n.port}`)
          .sort(),
      );
      app.endpoint!.setClusterNodes([...first.servers, extra.address]);
      const grown = await stateWhen(app.url, (s) => s.history.at(-1)?.servers.length === 3);
      expect(grown.servers).toContain(extra.address);
      expect(grown.history.at(-1)!.servers.every((s) => s.up)).toBe(true);
      expect(app.servers).toHaveLength(3);
    } finally {
      await app.close();
      await extra.close();
    }
  });
});
