/**
 * Cluster-wide stampede protection in NestJS: three processes, each its own
 * Nest application on the same memcached, get the same cold routes at the same
 * moment (several requests per process per route). The handler behind
 * `MemkitCacheInterceptor`, and the `@MemkitCached` service method, must run
 * once in total per key (counted in memcached), and every response must be
 * the one computed by that single run. One of the URLs is far over 250 bytes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type MemcachedInstance, rawStoreAccess, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORKER = fileURLToPath(new URL('./fixtures/nest-worker.mjs', import.meta.url));
const PATHS = [
  '/search?i=0&q=espresso',
  `/search?i=1&q=${'long query '.repeat(40)}&sort=price`,
  '/search?i=2&q=caf%C3%A9%20cr%C3%A8me',
  '/rates/0',
  '/rates/1',
];
const counterOf = (path: string) => {
  const m = /^\/(search)\?i=(\d+)|^\/(rates)\/(\d+)/.exec(path)!;
  return m[1] ? `runs:search:${m[2]}` : `runs:rate:${m[4]}`;
};

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
});
afterAll(async () => {
  await mc?.stop();
});

function listening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before listening`)));
  });
}

describe('MemkitCacheInterceptor and @MemkitCached across processes', () => {
  it('run each handler / method once in total for 3 apps × 5 concurrent requests per route', async () => {
    const raw = rawStoreAccess(mc);
    for (const p of PATHS) await raw.set(counterOf(p), '0');
    const workers = [0, 1, 2].map(() =>
      fork(WORKER, [mc.address], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    try {
      const ports = await Promise.all(workers.map(listening));
      const calls = ports.flatMap((port) =>
        PATHS.flatMap((path) =>
          Array.from({ length: 5 }, async () => {
            const res = await fetch(`http://127.0.0.1:${port}${path}`);
            expect(res.status).toBe(200);
            return { path, body: (await res.json()) as { i: string; by: number } };
          }),
        ),
      );
      const results = await Promise.all(calls);
      for (const path of PATHS) {
        expect(Number((await raw.get(counterOf(path)))?.toString()), `${path.slice(0, 40)} ran once`).toBe(1);
        const bodies = results.filter((r) => r.path === path).map((r) => JSON.stringify(r.body));
        expect(bodies).toHaveLength(15);
        expect(new Set(bodies).size, 'every response is the single run').toBe(1);
      }
    } finally {
      for (const w of workers) if (w.connected) w.send({ type: 'exit' });
      await Promise.all(
        workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)),
      );
    }
  });
});
