/**
 * Cluster-wide stampede protection: several processes, each with its own
 * Keyv (5 and 6 mixed) and client, call `wrap()` on the same cold keys at
 * the same moment. The loader must run once per key in total (counted in
 * memcached), and every caller in every process must get the elected
 * loader's value. The keys include a URL far over 250 bytes and keys with a
 * space and with non-ASCII characters.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rawStoreAccess } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from './helpers';

const WORKER = fileURLToPath(new URL('./fixtures/wrap-worker.mjs', import.meta.url));
const KEYS = ['/reports/1', `/search?q=${'long query '.repeat(60)}&page=2`, 'report with spaces', 'ünïcødé'];

let backend: Backend;
beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
});

interface Result {
  index: number;
  by: number;
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before '${type}'`)));
  });
}

describe('wrap() across processes', () => {
  it('runs each loader once in total across 3 processes × 10 callers, and everyone gets its value', async () => {
    const raw = rawStoreAccess(backend.memcached);
    for (const [i] of KEYS.entries()) await raw.set(`loads:${i}`, '0');
    const workers = ['6', '5', '6'].map((major) =>
      fork(WORKER, [backend.memcached.address, major], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    try {
      const ready = workers.map((w) => message(w, 'ready'));
      for (const w of workers) w.send({ type: 'job', keys: KEYS, loaderMs: 300 });
      await Promise.all(ready);
      const done = workers.map((w) => message<{ results: Result[] }>(w, 'done'));
      for (const w of workers) w.send({ type: 'go' });
      const results = (await Promise.all(done)).flatMap((d) => d.results);

      const loads = await Promise.all(
        KEYS.map(async (_, i) => Number((await raw.get(`loads:${i}`))?.toString())),
      );
      expect(loads).toEqual(KEYS.map(() => 1));
      expect(results).toHaveLength(3 * 10 * KEYS.length);
      for (const [i] of KEYS.entries()) {
        const mine = results.filter((r) => r.index === i);
        expect(new Set(mine.map((r) => r.by)).size, `key ${i}: one loader's value for everyone`).toBe(1);
      }
    } finally {
      for (const w of workers) if (w.exitCode === null) w.kill();
    }
  });
});
