import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardState } from '../src/dashboard/wire';
import { exited, memkit, spawnMemkit, waitForOutput } from './helpers/cli';
import { startLoad } from './helpers/load';

let mc: MemcachedInstance;

beforeAll(async () => {
  mc = await startMemcached();
});

afterAll(async () => {
  await mc?.stop();
});

describe('memkit watch', () => {
  it('redraws the live table with per-second rates, --count times', async () => {
    const load = startLoad([mc.address]);
    try {
      const r = await memkit(['watch', '--interval', '300', '--count', '3'], { servers: mc.address });
      expect(r.code).toBe(0);
      const frames = r.stdout.split(/\n(?=memkit watch, every 300ms)/);
      expect(frames).toHaveLength(3);
      for (const f of frames) {
        expect(f).toMatch(/^memkit watch, every 300ms, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
        for (const col of ['ops/s', 'gets/s', 'sets/s', 'hit% now', 'hit% all', 'evict/s'])
          expect(f).toContain(col);
      }
      // The first frame has no previous sample; later ones carry rates.
      const opsOf = (frame: string) => {
        const row = frame.split('\n').find((l) => l.includes(mc.address))!;
        return row.split('│')[4]!.trim(); // server, items, memory, ops/s
      };
      expect(opsOf(frames[0]!)).toBe('-');
      expect(Number(opsOf(frames[2]!).replace(/,/g, ''))).toBeGreaterThan(10);
    } finally {
      await load.stop();
    }
  });

  it('--json prints one summary per line', async () => {
    const r = await memkit(['watch', '--json', '--interval', '200', '--count', '2'], { servers: mc.address });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1].intervalSeconds).toBeGreaterThan(0.1);
    expect(lines[1].servers[0]).toMatchObject({ server: mc.address, up: true });
  });

  it('stops cleanly on SIGINT', async () => {
    const child = spawnMemkit(['watch', '--interval', '200'], { servers: mc.address });
    await waitForOutput(child, /memkit watch/);
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
  });

  it('keeps running while a server is down and shows it', async () => {
    const r = await memkit(['watch', '--interval', '200', '--count', '2', '-s', `${mc.address},127.0.0.1:1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/127\.0\.0\.1:1\s+│ DOWN: /);
    expect(r.stdout).toContain('total (1 up, 1 down)');
  });
});

describe('memkit dashboard', () => {
  it('serves the page and live state until SIGINT', async () => {
    const child = spawnMemkit(['dashboard', '--port', '0', '--interval', '200'], { servers: mc.address });
    try {
      const [, url] = await waitForOutput(child, /memkit dashboard on (http:\/\/\S+)/);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="/assets/app.js">');
      const js = await fetch(new URL('/assets/app.js', url));
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect((await js.text()).length).toBeGreaterThan(20_000); // uPlot is bundled in
      expect((await fetch(new URL('/assets/../package.json', url))).status).toBe(404);
      expect((await fetch(url!, { method: 'POST' })).status).toBe(405);
      // Wait for two samples so rates exist.
      let state: DashboardState | undefined;
      for (let i = 0; i < 50 && (state?.history.length ?? 0) < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await (await fetch(new URL('/api/state', url))).json()) as DashboardState;
      }
      expect(state!.servers).toEqual([mc.address]);
      expect(state!.intervalMs).toBe(200);
      expect(state!.history.at(-1)!.servers[0]).toMatchObject({
        server: mc.address,
        up: true,
        version: '1.6.18',
      });
      expect(state!.slabs![0]!.server).toBe(mc.address);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  });

  it('reports a taken port as a usage error', async () => {
    const first = spawnMemkit(['dashboard', '--port', '0'], { servers: mc.address });
    try {
      const [, port] = await waitForOutput(first, /http:\/\/127\.0\.0\.1:(\d+)\//);
      const second = await memkit(['dashboard', '--port', port!], { servers: mc.address });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/^memkit: dashboard cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      first.kill('SIGINT');
      await exited(first);
    }
  });
});
