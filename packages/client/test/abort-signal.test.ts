/**
 * AbortSignal: many commands on ONE signal cost one listener on it (no
 * MaxListenersExceededWarning however many are pending), every command the
 * abort catches settles with ERR_ABORTED at once, the others resolve, and the
 * connection stays usable (the aborted commands' replies are swallowed).
 * getOrSet hands the signal to the loader and stops waiting for another
 * caller's load the moment it aborts.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../src/index';
import { freeze } from './helpers/backends';
import { waitUntil } from './helpers/wait';

let mc: MemcachedInstance;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(async () => {
  mc = await startMemcached();
  process.on('warning', onWarning);
});
afterAll(async () => {
  process.off('warning', onWarning);
  mc.kill('SIGCONT');
  await mc.stop();
});
afterEach(() => {
  mc.kill('SIGCONT');
});

type Outcome = { value: unknown } | { code: string };
const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    (value) => ({ value }),
    (err: MemkitError) => ({ code: err.code }),
  );

/** Lets pending warnings (emitted on process.nextTick) arrive. */
const drainWarnings = () => new Promise((resolve) => setImmediate(resolve));

function listenerWarnings(): Error[] {
  return warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
}

describe('1,000 concurrent commands on one signal', () => {
  it('all in flight on a stalled server: one listener, every one ERR_ABORTED, the connection still works', async () => {
    const client = new Client({ servers: [mc.address], timeout: 30_000, connectionsPerServer: 1 });
    try {
      await client.setMulti(Array.from({ length: 1000 }, (_, i) => [`a${i}`, `v${i}`] as const));
      // The abort must cost no connection: the same socket serves everything after it.
      let connects = 0;
      client.on('connect', () => connects++);
      await freeze(mc);
      const ac = new AbortController();
      const calls = Array.from({ length: 1000 }, (_, i) =>
        outcome(client.get(`a${i}`, { signal: ac.signal })),
      );
      expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
      ac.abort();
      // Settled at once: before the stopped server could answer anything.
      expect(await Promise.all(calls)).toEqual(calls.map(() => ({ code: 'ERR_ABORTED' })));
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      mc.kill('SIGCONT');
      // The written commands' replies are swallowed: every later call gets its own value.
      const again = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.get(`a${i}`)));
      expect(again).toEqual(Array.from({ length: 1000 }, (_, i) => `v${i}`));
      expect(connects).toBe(0);
      await drainWarnings();
      expect(listenerWarnings()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('an abort in the middle: the answered ones resolve, the rest ERR_ABORTED, nothing else', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      await client.setMulti(Array.from({ length: 1000 }, (_, i) => [`m${i}`, i] as const));
      const ac = new AbortController();
      const calls = Array.from({ length: 1000 }, (_, i) =>
        outcome(client.get(`m${i}`, { signal: ac.signal })),
      );
      // Abort as soon as the first one is answered: the others are queued, in flight or answered.
      await calls[0];
      ac.abort();
      const results = await Promise.all(calls);
      let resolved = 0;
      results.forEach((r, i) => {
        if ('value' in r) {
          expect(r.value).toBe(i);
          resolved++;
        } else expect(r.code).toBe('ERR_ABORTED');
      });
      expect(resolved).toBeGreaterThan(0);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      expect(await client.get('m999')).toBe(999);
      await drainWarnings();
      expect(listenerWarnings()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a signal shared by the commands of several clients still has one listener', async () => {
    const clients = Array.from({ length: 12 }, () => new Client({ servers: [mc.address] }));
    try {
      await freeze(mc);
      const ac = new AbortController();
      const calls = clients.flatMap((c) =>
        Array.from({ length: 20 }, (_, i) => outcome(c.get(`s${i}`, { signal: ac.signal }))),
      );
      expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
      ac.abort();
      expect(new Set((await Promise.all(calls)).map((r) => JSON.stringify(r)))).toEqual(
        new Set([JSON.stringify({ code: 'ERR_ABORTED' })]),
      );
      await drainWarnings();
      expect(listenerWarnings()).toEqual([]);
    } finally {
      mc.kill('SIGCONT');
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

/** A promise and its resolve function, to hold a loader until the test lets it go. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    open = r;
  });
  return { promise, open };
}

describe('getOrSet and the signal', () => {
  it('hands the signal to the loader', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      const ac = new AbortController();
      let seen: AbortSignal | undefined;
      const value = await client.getOrSet(
        'gos:signal',
        ({ signal }) => {
          seen = signal;
          return 'loaded';
        },
        { signal: ac.signal },
      );
      expect(value).toBe('loaded');
      expect(seen).toBeInstanceOf(AbortSignal);
      expect(seen?.aborted).toBe(false);
      // Without a signal the loader still gets its context object.
      expect(await client.getOrSet('gos:none', (ctx) => typeof ctx)).toBe('object');
    } finally {
      await client.close();
    }
  });

  it('the loader sees the abort of its only caller, who gets ERR_ABORTED at once', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      const ac = new AbortController();
      const held = gate();
      let loaderSignal: AbortSignal | undefined;
      const call = outcome(
        client.getOrSet(
          'gos:abort-loader',
          async ({ signal }) => {
            loaderSignal = signal;
            await held.promise;
            return 'late';
          },
          { signal: ac.signal },
        ),
      );
      while (!loaderSignal) await new Promise((r) => setImmediate(r));
      ac.abort();
      expect(await call).toEqual({ code: 'ERR_ABORTED' });
      expect(loaderSignal.aborted).toBe(true);
      held.open();
    } finally {
      await client.close();
    }
  });

  it('stops waiting for another process’s load the moment it aborts', async () => {
    // Two clients stand for two processes: the second waits on memcached's lock, not in-process.
    const [winner, waiter] = [new Client({ servers: [mc.address] }), new Client({ servers: [mc.address] })];
    try {
      const held = gate<string>();
      let started = false;
      const won = winner.getOrSet('gos:wait', async () => {
        started = true;
        return held.promise;
      });
      while (!started) await new Promise((r) => setImmediate(r));
      // From now on only the waiter sends getOrSet lease requests (the winner is in its loader).
      let leaseRequests = 0;
      const onStart = (m: unknown) => {
        if ((m as { command: string }).command === 'getOrSet') leaseRequests++;
      };
      subscribe('memkit:command:start', onStart);
      const ac = new AbortController();
      let waiterLoads = 0;
      const waiting = outcome(
        waiter.getOrSet(
          'gos:wait',
          () => {
            waiterLoads++;
            return 'mine';
          },
          { signal: ac.signal, waitTimeout: 60_000 },
        ),
      );
      // Let it see the lock and poll again (a second lease request from it), then abort: it must
      // settle at once, before the event loop turns, while the winner still loads.
      await waitUntil(() => leaseRequests >= 2, 'the waiter polling the lock');
      ac.abort();
      const first = await Promise.race([waiting, new Promise((r) => setImmediate(() => r('still waiting')))]);
      expect(first).toEqual({ code: 'ERR_ABORTED' });
      expect(waiterLoads).toBe(0);
      unsubscribe('memkit:command:start', onStart);
      held.open('theirs');
      expect(await won).toBe('theirs');
    } finally {
      await Promise.all([winner.close(), waiter.close()]);
    }
  });

  it('in-process callers: one caller’s abort settles only that caller; the load goes on for the others', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      const held = gate<string>();
      let loads = 0;
      let loaderSignal: AbortSignal | undefined;
      const loader = async ({ signal }: { signal?: AbortSignal }) => {
        loads++;
        loaderSignal = signal;
        return held.promise;
      };
      const a = new AbortController();
      const first = outcome(client.getOrSet('gos:shared', loader, { signal: a.signal }));
      while (!loaderSignal) await new Promise((r) => setImmediate(r));
      const b = new AbortController();
      const second = outcome(client.getOrSet('gos:shared', loader, { signal: b.signal }));
      const third = outcome(client.getOrSet('gos:shared', loader));
      a.abort();
      expect(await first).toEqual({ code: 'ERR_ABORTED' });
      b.abort();
      expect(await second).toEqual({ code: 'ERR_ABORTED' });
      // The third caller has no signal: the shared load must not be aborted under it.
      expect(loaderSignal.aborted).toBe(false);
      held.open('value');
      expect(await third).toEqual({ value: 'value' });
      expect(loads).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('in-process callers that all abort abort the shared load', async () => {
    const client = new Client({ servers: [mc.address] });
    try {
      let loaderSignal: AbortSignal | undefined;
      const loader = ({ signal }: { signal?: AbortSignal }) =>
        new Promise<string>((_, reject) => {
          loaderSignal = signal;
          signal?.addEventListener('abort', () => reject(signal.reason));
        });
      const a = new AbortController();
      const b = new AbortController();
      const calls = [
        outcome(client.getOrSet('gos:all-abort', loader, { signal: a.signal })),
        outcome(client.getOrSet('gos:all-abort', loader, { signal: b.signal })),
      ];
      while (!loaderSignal) await new Promise((r) => setImmediate(r));
      a.abort();
      expect(loaderSignal.aborted).toBe(false);
      b.abort();
      expect(await Promise.all(calls)).toEqual([{ code: 'ERR_ABORTED' }, { code: 'ERR_ABORTED' }]);
      expect(loaderSignal.aborted).toBe(true);
      // Its lock was released: the next caller loads at once.
      expect(await client.getOrSet('gos:all-abort', () => 'next')).toBe('next');
    } finally {
      await client.close();
    }
  });
});
