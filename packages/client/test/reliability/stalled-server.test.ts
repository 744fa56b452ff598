/**
 * Bounded memory under a stalled server: a million gets offered to a
 * memcached stopped with SIGSTOP. Past `maxQueue` commands per server, calls
 * fail at once with ERR_QUEUE_FULL; the client stops writing while the
 * socket's buffer is full. The heap stays bounded, every call settles by its
 * own timeout, and the connection recovers after SIGCONT.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../../src/index';
import { DEFAULT_MAX_QUEUE } from '../../src/option-table';
import { freeze } from '../helpers/backends';

const MiB = 1024 * 1024;
const OFFERED = Number(process.env.OFFERED ?? 1_000_000);
/** Long enough for the million calls to be offered before the first one times out. */
const TIMEOUT = 15_000;
/** How late past its deadline a call may settle (on a loaded 2-core box; it was seconds before). */
const SLACK = 3000;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  // The measurement needs a real collection: vitest.config.ts passes --expose-gc.
  if (typeof gc !== 'function') throw new Error('run with --expose-gc (see vitest.config.ts)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function pools(client: Client): Array<{ pending(): number }> {
  return (client as unknown as { ctx: { cluster: { pools: Array<{ pending(): number }> } } }).ctx.cluster
    .pools;
}

let mc: MemcachedInstance;
beforeAll(async () => {
  mc = await startMemcached();
});
afterAll(async () => {
  mc?.kill('SIGCONT');
  await mc?.stop();
});

describe('a stalled server', () => {
  it('1,000,000 gets: heap bounded, every call settles by its timeout, the connection recovers', async () => {
    const client = new Client({ servers: [mc.address], timeout: TIMEOUT });
    try {
      await client.set('k', 'v');
      const base = heapAfterGc();
      await freeze(mc);

      const codes = new Map<string, number>();
      let settled = 0;
      let late = 0;
      let worstLateness = 0;
      const onSettle = (deadline: number, code: string) => {
        settled++;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        const lateness = performance.now() - deadline;
        if (lateness > SLACK) late++;
        worstLateness = Math.max(worstLateness, lateness);
      };
      const firstDeadline = performance.now() + TIMEOUT;
      let full = 0;
      for (let i = 0; i < OFFERED; i += 5000) {
        for (let j = 0; j < 5000; j++) {
          const deadline = performance.now() + TIMEOUT;
          client.get('k').then(
            () => onSettle(deadline, 'resolved'),
            (err: MemkitError) => onSettle(deadline, err.code),
          );
        }
        await nextTurn();
        if (i + 5000 === 2 * DEFAULT_MAX_QUEUE) {
          // Twice the queue offered, long before the first timeout: the queue is full, the rest refused.
          expect(performance.now()).toBeLessThan(firstDeadline);
          expect(pools(client)[0]!.pending()).toBe(DEFAULT_MAX_QUEUE);
          expect(codes.get('ERR_QUEUE_FULL')).toBe(DEFAULT_MAX_QUEUE);
          full = heapAfterGc() - base;
        }
      }
      // And once everything is offered (timeouts may have begun meanwhile on a slow machine).
      const peak = Math.max(full, heapAfterGc() - base);

      const giveUp = performance.now() + 2 * TIMEOUT + 30_000;
      while (settled < OFFERED && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 100));
      const summary = {
        settled,
        late,
        codes: Object.fromEntries(codes),
        fullQueueMiB: Math.round(full / MiB),
        peakMiB: Math.round(peak / MiB),
      };
      console.log(
        `stalled server: ${JSON.stringify(summary)}, worst lateness ${Math.round(worstLateness)} ms`,
      );

      expect(settled).toBe(OFFERED);
      expect(late).toBe(0);
      // Nothing can be answered by a stopped server.
      expect(codes.get('resolved') ?? 0).toBe(0);
      expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['ERR_QUEUE_FULL', 'ERR_TIMEOUT']));
      for (const code of codes.keys()) {
        expect(['ERR_QUEUE_FULL', 'ERR_TIMEOUT', 'ERR_CONNECTION_CLOSED', 'ERR_CONNECT']).toContain(code);
      }
      expect(full).toBeGreaterThan(0);
      expect(peak).toBeLessThan(128 * MiB);

      mc.kill('SIGCONT');
      expect(await client.get('k', { timeout: 5000 })).toBe('v');
    } finally {
      mc.kill('SIGCONT');
      await client.close();
    }
  }, 180_000);
});
