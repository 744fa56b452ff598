/**
 * `onError: 'miss'`: every call kind against a dead server (stopped: the
 * connect is refused; frozen: the call times out) resolves as a miss, never
 * rejects, and reports the error as a `failure` event and on
 * `memkit:call:failure`; bad input still rejects.
 */
import diagnostics from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MemcachedInstance } from '@memkit/testing';
import { describe, expect, it } from 'vitest';
import { Client, type FailureMessage } from '../../src/index';
import { useClusterPerTest } from '../helpers/servers';
import { addresses, freeze, nextEvent, Tally } from './scenario';

const servers = useClusterPerTest(3);

function failures(client: Client): FailureMessage[] {
  const seen: FailureMessage[] = [];
  client.on('failure', (m: FailureMessage) => seen.push(m));
  return seen;
}

/**
 * Every call kind on `client`, with what `onError: 'miss'` must answer while its server is out. Each
 * call gets its own key: a key whose write failed is not read from that server until it is
 * invalidated there (answered as a miss without asking), which would hide the failure of a later read.
 */
function everyCall(
  client: Client,
): Array<[string, (key: string) => Promise<unknown>, (key: string) => unknown]> {
  const none = () => undefined;
  const no = () => false;
  return [
    ['get', (k) => client.get(k), none],
    ['gets', (k) => client.gets(k), none],
    ['gat', (k) => client.gat(k, 10), none],
    ['gats', (k) => client.gats(k, 10), none],
    ['incr', (k) => client.incr(k, 1), none],
    ['decr', (k) => client.decr(k, 1, { initial: 5 }), none],
    ['set', (k) => client.set(k, 'v'), no],
    ['add', (k) => client.add(k, 'v'), no],
    ['replace', (k) => client.replace(k, 'v'), no],
    ['append', (k) => client.append(k, 'v'), no],
    ['prepend', (k) => client.prepend(k, 'v'), no],
    ['cas', (k) => client.cas(k, 'v', 1n), no],
    ['delete', (k) => client.delete(k), no],
    ['touch', (k) => client.touch(k, 10), no],
    ['getMulti', (k) => client.getMulti([k, `${k}:2`]), () => new Map()],
    ['getsMulti', (k) => client.getsMulti([k]), () => new Map()],
    [
      'setMulti',
      (k) =>
        client.setMulti([
          [k, 'v'],
          [`${k}:2`, 'w'],
        ]),
      (k) => [k, `${k}:2`],
    ],
    ['deleteMulti', (k) => client.deleteMulti([k, `${k}:2`]), (k) => [k, `${k}:2`]],
    ['getOrSet', (k) => client.getOrSet(k, () => 'loaded'), () => 'loaded'],
  ];
}

/** A stopped server and an `onError: 'miss'` client of it alone (its connects are refused). */
async function stoppedServerClient(): Promise<{ dead: MemcachedInstance; client: Client }> {
  const dead = servers[1]!;
  await dead.stop();
  const client = new Client({ servers: [dead.address], onError: 'miss', timeout: 300, connectTimeout: 300 });
  return { dead, client };
}

describe("onError: 'miss'", () => {
  it('a stopped server: each call kind resolves as a miss, with a failure event and message', async () => {
    const { dead, client } = await stoppedServerClient();
    const channel: FailureMessage[] = [];
    const listen = (m: unknown) => channel.push(m as FailureMessage);
    diagnostics.subscribe('memkit:call:failure', listen);
    try {
      const seen = failures(client);
      for (const [method, call, expected] of everyCall(client)) {
        const key = `gone:${method}`;
        const before = seen.length;
        await expect(call(key), method).resolves.toEqual(expected(key));
        const reported = seen.slice(before);
        expect(reported.length, `${method}: one failure reported`).toBeGreaterThanOrEqual(1);
        expect(reported[0]).toMatchObject({ method, server: dead.address });
        expect(reported[0]!.keys).toContain(key);
        expect(['ERR_CONNECT', 'ERR_CONNECTION_CLOSED', 'ERR_SERVER_DEAD']).toContain(
          reported[0]!.error.code,
        );
        expect(reported[0]!.message).toMatch(/onError: 'miss'/);
      }
      expect(channel.map((m) => m.method)).toEqual(seen.map((m) => m.method));
    } finally {
      diagnostics.unsubscribe('memkit:call:failure', listen);
      await client.close();
    }
  });

  it('a frozen server: reads time out into misses and writes into false', async () => {
    const frozen = servers[1]!;
    const client = new Client({ servers: [frozen.address], onError: 'miss', timeout: 300 });
    try {
      expect(await client.set('cold', 'v')).toBe(true);
      await freeze(frozen);
      const seen = failures(client);
      expect(await client.get('cold')).toBeUndefined();
      expect(await client.set('cold', 'w')).toBe(false);
      expect(seen.map((m) => [m.method, m.error.code])).toEqual([
        ['get', 'ERR_TIMEOUT'],
        ['set', 'ERR_TIMEOUT'],
      ]);
    } finally {
      await client.close();
    }
  });

  it("multi-key calls keep the live server's answers: failed keys are absent from hits, listed as not written", async () => {
    const [live, dead] = servers as [MemcachedInstance, MemcachedInstance];
    const client = new Client({
      servers: [live.address, dead.address],
      onError: 'miss',
      failover: 'error',
      timeout: 300,
      connectTimeout: 300,
    });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `multi:${i}`);
      const onLive = keys.filter((k) => client.serverFor(k) === live.address);
      const onDead = keys.filter((k) => client.serverFor(k) === dead.address);
      expect(onLive.length).toBeGreaterThan(5);
      expect(onDead.length).toBeGreaterThan(5);
      await dead.stop();
      const seen = failures(client);
      // setMulti: the dead server's keys come back as not stored, in call order.
      expect(await client.setMulti(keys.map((k) => [k, `v:${k}`] as const))).toEqual(onDead);
      expect(seen.at(-1)).toMatchObject({ method: 'setMulti', server: dead.address, keys: onDead });
      // getMulti: the live server's hits; the dead server's keys are absent (misses).
      const hits = await client.getMulti(keys);
      expect([...hits.keys()].sort()).toEqual([...onLive].sort());
      for (const k of onLive) expect(hits.get(k)).toBe(`v:${k}`);
      // deleteMulti: a live key not found, plus the dead server's keys (not deleted).
      await client.delete(onLive[0]!);
      expect(await client.deleteMulti(keys)).toEqual(
        keys.filter((k) => k === onLive[0] || onDead.includes(k)),
      );
      // getOrSet on a dead key loads without the cache; on a live key it caches as usual.
      expect(await client.getOrSet(onDead[0]!, () => 'fresh')).toBe('fresh');
      expect(await client.getOrSet(onLive[1]!, () => 'fresh')).toBe('fresh');
      expect(await client.get(onLive[1]!)).toBe('fresh');
    } finally {
      await client.close();
    }
  });

  it('under load through a flap (frozen, marked dead, back): no call rejects or runs late, nothing wrong or stale', async () => {
    const [a, b, c] = servers as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    const timeout = 300;
    const client = new Client({
      servers: addresses([a, b, c]),
      onError: 'miss',
      timeout,
      deadRetryDelay: 1000,
    });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `load:${i}`);
      for (const k of keys) expect(await client.set(k, 'v0')).toBe(true);
      const seen = failures(client);
      // Read-through traffic, 16 callers: a read (its value checked), then a write of the phase's value.
      let phase = 0;
      const tally = new Tally(Number.POSITIVE_INFINITY);
      let running = true;
      const worker = async (w: number) => {
        for (let i = w; running; i += 16) {
          const k = keys[i % keys.length]!;
          const p = phase;
          const r = await tally.time(() => client.get(k));
          // Any value written so far but the current one would be stale; the current one (or the one
          // of the phase before, raced by another caller) is right.
          if (r.ok && r.value !== undefined && r.value !== `v${p}` && r.value !== `v${p - 1}`)
            tally.read(r.value, `v${p}`, ['v0', 'v1']);
          await tally.time(() => client.set(k, `v${p}`));
        }
      };
      const workers = Array.from({ length: 16 }, (_, w) => worker(w));
      loop.enable();
      await new Promise((r) => setTimeout(r, 300));
      phase = 1;
      const dead = nextEvent(client, 'server:dead', b.address);
      await freeze(b);
      await dead;
      await new Promise((r) => setTimeout(r, 300));
      phase = 2;
      const alive = nextEvent(client, 'server:alive', b.address);
      b.kill('SIGCONT');
      await alive;
      await new Promise((r) => setTimeout(r, 300));
      running = false;
      await Promise.all(workers);
      loop.disable();
      const stallMs = loop.max / 1e6;
      console.info(
        `onError miss under a flap: ${tally.took.length} calls, ${seen.length} failures answered as misses, ` +
          `slowest ${Math.round(tally.slowest)} ms (event loop stalled up to ${Math.round(stallMs)} ms)`,
      );
      expect(tally.rejected).toEqual({});
      expect(tally.wrong + tally.stale).toBe(0);
      // B's suspect phase: its calls timed out, each answered as a miss and reported.
      expect(seen.length).toBeGreaterThan(0);
      for (const m of seen)
        expect(['ERR_TIMEOUT', 'ERR_CONNECTION_CLOSED', 'ERR_SERVER_DEAD']).toContain(m.error.code);
      // None waited past its timeout (+ 50 ms, + this process's own event-loop stall).
      expect(tally.took.filter((ms) => ms > timeout + 50 + stallMs)).toEqual([]);
      // After B's return every key reads its latest value or a miss: nothing from before the flap.
      for (const k of keys) expect(['v2', undefined]).toContain(await client.get(k));
    } finally {
      await client.close();
    }
  });

  it('bad input still rejects; a loader that fails still rejects', async () => {
    const { dead, client } = await stoppedServerClient();
    try {
      await expect(client.get('a key with spaces')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
      await expect(client.set('big', 'x'.repeat(2 * 1024 * 1024))).rejects.toMatchObject({
        code: 'ERR_VALUE_TOO_LARGE',
      });
      // A TTL where the options object goes.
      await expect(client.set('k', 'v', 60 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(client.getMulti(['ok', 'bad key'])).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
      const boom = new Error('loader failed');
      await expect(
        client.getOrSet('k', () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
    } finally {
      await client.close();
    }
    expect(() => new Client({ servers: [dead.address], onError: 'skip' as never })).toThrow(/onError/);
  });

  it("the default, 'throw', rejects on the same failures", async () => {
    const dead = servers[1]!;
    await dead.stop();
    const client = new Client({ servers: [dead.address], timeout: 300, connectTimeout: 300 });
    try {
      await expect(client.get('k')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
      await expect(client.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    } finally {
      await client.close();
    }
  });
});
