/**
 * Server death: memcached is SIGKILLed under load and restarted on the same port. While it is
 * down, calls fail fast with typed errors (connection errors, never a timeout; none hangs); the
 * client reconnects by itself; no unhandled rejection happens; and after `close()` no socket
 * or timer the client created is left behind (tracked per resource, see helpers/leaks.ts).
 * Phases wait for what they need (enough calls, an event), never for a guessed time.
 */
import { type MemcachedInstance, startMemcached, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemkitError } from '../../src/index';
import { type ResourceTracker, trackClientResources } from '../helpers/leaks';
import { waitUntil } from '../helpers/wait';
import { classifyValue, dataKey, valueFor } from './values';

const TIMEOUT = 2000;
const KEYS = 500;

let mc: MemcachedInstance;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
});
afterAll(async () => {
  await mc.stop();
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** After close(): every timer and socket the client created is gone (waits for the socket closes). */
async function expectNothingLeft(tracker: ResourceTracker): Promise<void> {
  await waitUntil(() => tracker.alive().length === 0, 'the client resources to go').catch(() => undefined);
  expect(tracker.alive()).toEqual([]);
  tracker.stop();
}

interface Call {
  key: string;
  start: number;
  ms: number;
  error?: MemkitError;
}

function maxMs(calls: readonly Call[]): number {
  return calls.reduce((m, c) => Math.max(m, c.ms), 0);
}

/** 32 paced loops of set/get on derived values, recording every call until `stop()`. */
function startLoad(client: Client, keys = KEYS) {
  const calls: Call[] = [];
  let wrong = 0;
  let stopped = false;
  const worker = async (w: number) => {
    for (let n = 0; !stopped; n++) {
      const key = dataKey((w * 7919 + n) % keys);
      const call: Call = { start: performance.now(), ms: 0, key };
      try {
        if (n % 3 === 0) await client.set(key, valueFor(key, n));
        else {
          const v = await client.get(key);
          if (v !== undefined && classifyValue(key, v) !== 'ok') wrong++;
        }
      } catch (err) {
        if (!(err instanceof MemkitError)) throw err;
        call.error = err;
      }
      call.ms = performance.now() - call.start;
      calls.push(call);
      // Pace the loop: failures are synchronous while the pool backs off.
      await turn();
    }
  };
  const running = Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  return {
    calls,
    wrongValues: () => wrong,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

describe('server death under load (kill -9, restart on the same port)', () => {
  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: fails fast while down, reconnects by itself, leaks nothing`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const tracker = trackClientResources();
      const client = new Client({
        servers: [mc.address],
        protocol,
        timeout: TIMEOUT,
        reconnectDelay: 20,
        reconnectMaxDelay: 200,
      });
      const load = startLoad(client);
      try {
        const entries = Array.from(
          { length: KEYS },
          (_, i) => [dataKey(i), valueFor(dataKey(i), i)] as const,
        );
        expect(await client.setMulti(entries)).toEqual([]);
        const { calls } = load;
        await waitUntil(() => calls.filter((c) => !c.error).length >= 200, 'the load running');

        const killedAt = performance.now();
        expect(mc.kill('SIGKILL')).toBe(true);
        const downCalls = () => calls.filter((c) => c.start > killedAt + 50);
        await waitUntil(() => downCalls().length > 200, 'calls while the server is down');
        const restartAt = performance.now();
        await mc.restart();
        // The client finds the new process on its own: wait for calls to succeed again.
        let recoveredAt = 0;
        await waitUntil(() => {
          const recent = calls.slice(-32);
          const ok = recent.length === 32 && recent.every((c) => !c.error && c.start > restartAt);
          if (ok) recoveredAt = performance.now();
          return ok;
        }, 'calls to succeed after the restart').catch(() => undefined);
        // The tracker sees the client's socket: it is open now.
        expect(tracker.alive()).toContain('TCPWRAP');
        await load.stop();

        expect(recoveredAt, 'the client did not recover within 10 s of the restart').toBeGreaterThan(0);
        expect(load.wrongValues()).toBe(0);
        // While down (from 50 ms after the kill until the restart began): typed, fast failures.
        const down = calls.filter((c) => c.start > killedAt + 50 && c.start + c.ms < restartAt);
        expect(down.length).toBeGreaterThan(100);
        expect(down.every((c) => c.error)).toBe(true);
        const codes = new Set(down.map((c) => c.error!.code));
        // Connection errors only: no call waited for its timeout (which would be ERR_TIMEOUT).
        for (const code of codes) expect(['ERR_CONNECT', 'ERR_CONNECTION_CLOSED']).toContain(code);
        // Nothing hung at any time: no call took as long as its timeout.
        expect(maxMs(calls)).toBeLessThan(TIMEOUT);
        // Data written after the restart is there.
        const fresh = Array.from(
          { length: 200 },
          (_, i) => [dataKey(i), valueFor(dataKey(i), 1_000_000 + i)] as const,
        );
        expect(await client.setMulti(fresh)).toEqual([]);
        const got = await client.getMulti(fresh.map(([k]) => k));
        expect(new Map(got)).toEqual(new Map(fresh));
        console.log(
          `[server-death ${protocol}] calls=${calls.length} down=${down.length} codes=${[...codes].join(',')}` +
            ` slowestDownMs=${Math.round(maxMs(down))}` +
            ` recoveredAfterRestartMs=${Math.round(recoveredAt - restartAt)}`,
        );
      } finally {
        await load.stop();
        await client.close();
        process.off('unhandledRejection', onUnhandled);
      }
      await expectNothingLeft(tracker);
      expect(unhandled).toEqual([]);
    }, 60_000);
  }
});

describe('server death in a cluster (kill -9 one of three, restart it)', () => {
  it('only its keys fail, fast; it rejoins by itself; nothing leaks', async () => {
    const servers = await startMemcachedCluster(3, { memoryMb: 16 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const tracker = trackClientResources();
    const client = new Client({
      servers: servers.map((s) => s.address),
      timeout: TIMEOUT,
      reconnectDelay: 20,
      reconnectMaxDelay: 200,
      failureThreshold: 2,
      deadRetryDelay: 500,
    });
    const victim = servers[1]!;
    const entries = Array.from({ length: KEYS }, (_, i) => [dataKey(i), valueFor(dataKey(i), i)] as const);
    const victimKeys = new Set(entries.map(([k]) => k).filter((k) => client.serverFor(k) === victim.address));
    let load: ReturnType<typeof startLoad> | undefined;
    try {
      expect(await client.setMulti(entries)).toEqual([]);
      expect(victimKeys.size).toBeGreaterThan(50);
      load = startLoad(client);
      const { calls } = load;
      await waitUntil(() => calls.length >= 200, 'the load running');
      const dead = new Promise((resolve) => client.once('server:dead', resolve));
      const killedAt = performance.now();
      victim.kill('SIGKILL');
      expect(await dead).toBe(victim.address);
      const deadAt = performance.now();
      // While it is dead its keys move: the load runs on the others for a while.
      await waitUntil(() => calls.filter((c) => c.start > deadAt).length >= 200, 'calls while it is dead');
      const alive = new Promise((resolve) => client.once('server:alive', resolve));
      await victim.restart();
      expect(await alive).toBe(victim.address);
      const aliveAt = performance.now();
      const rejoined = () => calls.filter((c) => c.start > aliveAt + 50 && victimKeys.has(c.key));
      await waitUntil(() => rejoined().length > 50, "calls on the victim's keys after it rejoined");
      await load.stop();

      expect(load.wrongValues()).toBe(0);
      const failed = calls.filter((c) => c.error);
      for (const c of failed) {
        expect(victimKeys.has(c.key), `${c.key} failed (${c.error!.code}) but lives elsewhere`).toBe(true);
        expect(['ERR_CONNECT', 'ERR_CONNECTION_CLOSED', 'ERR_SERVER_DEAD']).toContain(c.error!.code);
      }
      expect(failed.some((c) => c.start > killedAt)).toBe(true);
      // Fast: connection errors (above), never a call that waited for its timeout.
      expect(maxMs(calls)).toBeLessThan(TIMEOUT);
      // Rejoined: its keys are routed to it again and work.
      const after = rejoined();
      expect(after.length).toBeGreaterThan(50);
      expect(after.every((c) => !c.error)).toBe(true);
      for (const k of victimKeys) expect(client.serverFor(k)).toBe(victim.address);
      console.log(
        `[server-death cluster] calls=${calls.length} failed=${failed.length} (all on the victim's keys)` +
          ` slowestMs=${Math.round(maxMs(calls))}`,
      );
    } finally {
      await load?.stop();
      await client.close();
      process.off('unhandledRejection', onUnhandled);
      await stopAll(servers);
    }
    await expectNothingLeft(tracker);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
