/**
 * `failover: 'gutter'`: while a primary is dead its keys go to the gutter
 * pool, with every TTL clamped to `gutter.ttl`; the live primaries get no
 * more traffic than before (counted by memcached's own cmd_get/cmd_set),
 * unlike `'rehash'`; what the gutter holds expires by the clamp (read raw
 * from the gutter server, on memcached's own clock); and the primary that
 * comes back serves nothing stale.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  type MemcachedInstance,
  rawCommand,
  rawStats,
  startMemcachedCluster,
  stopAll,
  waitServerSeconds,
} from '@memkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, type ClientOptions } from '../../src/index';
import { addresses, freeze, nextEvent, Tally } from './scenario';

let servers: MemcachedInstance[];
/** Primaries A, B, C; gutter G. */
let a: MemcachedInstance;
let b: MemcachedInstance;
let c: MemcachedInstance;
let g: MemcachedInstance;

beforeEach(async () => {
  servers = await startMemcachedCluster(4);
  [a, b, c, g] = servers as [MemcachedInstance, MemcachedInstance, MemcachedInstance, MemcachedInstance];
});
afterEach(async () => {
  for (const s of servers) if (s.running) s.kill('SIGCONT');
  await stopAll(servers);
});

const TIMEOUT = 300;
const keys = Array.from({ length: 600 }, (_, i) => `gutter:${i}`);
/** The keys whose home is B (found while B is alive: `serverFor` names the gutter while it is dead). */
let bKeys: string[] = [];

/** cmd_get + cmd_set of `server` (memcached counts meta mg/ms there too). */
async function load(server: MemcachedInstance): Promise<number> {
  const s = await rawStats(server);
  return Number(s.cmd_get) + Number(s.cmd_set);
}

/**
 * One pass of read-through traffic over every key, 16 callers at once: a
 * read, then a write of `value` (what an application does after a miss or
 * an update). Returns what it saw; `previous` values read back are stale.
 */
async function pass(client: Client, value: string, previous: string[], expected?: string): Promise<Tally> {
  const tally = new Tally(TIMEOUT + 50);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const k = keys[next++]!;
      const r = await tally.time(() => client.get(k));
      if (r.ok && expected !== undefined) tally.read(r.value, expected, previous);
      await tally.time(() => client.set(k, value));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return tally;
}

/** Live primaries' cmd_get + cmd_set during one `pass`. */
async function passLoad(
  client: Client,
  value: string,
  previous: string[],
  expected: string,
): Promise<{ tally: Tally; load: number }> {
  const before = (await load(a)) + (await load(c));
  const tally = await pass(client, value, previous, expected);
  return { tally, load: (await load(a)) + (await load(c)) - before };
}

/**
 * Reads a few of B's keys until the client marks B dead (its suspect phase: timeouts or refused
 * connects), 15 s at most. Returns what those reads saw.
 */
async function untilDead(client: Client): Promise<{ tally: Tally; stallMs: number }> {
  const tally = new Tally(TIMEOUT + 50);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const dead = nextEvent(client, 'server:dead', b.address);
  let marked = false;
  void dead.then(() => {
    marked = true;
  });
  const some = bKeys.slice(0, 4);
  // A refused connect is retried after a backoff, so the failures add up over time, not per call.
  while (!marked) {
    await Promise.all(some.map((k) => tally.time(() => client.get(k))));
    await new Promise((r) => setTimeout(r, 50));
  }
  await dead;
  loop.disable();
  return { tally, stallMs: loop.max / 1e6 };
}

function options(failover: 'gutter' | 'rehash'): ClientOptions {
  return {
    servers: addresses([a, b, c]),
    timeout: TIMEOUT,
    deadRetryDelay: 1000,
    failover,
    ...(failover === 'gutter' ? { gutter: { servers: [g.address], ttl: 10 } } : {}),
  };
}

/**
 * B's outage under read-through load: a pass before, B frozen until marked dead, a pass while it
 * is dead, B thawed, a pass just after its return and one more. Every key's value is known at
 * each pass, so an older one read back is stale.
 */
async function outage(client: Client, mode: 'gutter' | 'rehash') {
  bKeys = keys.filter((k) => client.serverFor(k) === b.address);
  for (const k of keys) expect(await client.set(k, 'v0')).toBe(true);
  const before = await passLoad(client, 'v1', [], 'v0');
  await freeze(b);
  const { tally: suspect, stallMs } = await untilDead(client);
  const during = await passLoad(client, 'v2', ['v0'], 'v1');
  const sideLoad = failoverLoad();
  const alive = nextEvent(client, 'server:alive', b.address);
  b.kill('SIGCONT');
  await alive;
  const after = await pass(client, 'v3', ['v0', 'v1'], 'v2');
  const again = await pass(client, 'v4', ['v0', 'v1', 'v2'], 'v3');
  const ratio = during.load / before.load;
  const r = (t: Tally) => t.hitRatio.toFixed(3);
  console.info(
    `failover ${mode}: live primaries' load before ${before.load}, during ${during.load} (x${ratio.toFixed(3)}); ` +
      `hit ratio before ${r(before.tally)}, during ${r(during.tally)}, just after ${r(after)}, then ${r(again)}; ` +
      `suspect phase: rejected ${JSON.stringify(suspect.rejected)}, slowest ${Math.round(suspect.slowest)} ms ` +
      `(event loop stalled up to ${Math.round(stallMs)} ms); ` +
      `slowest call otherwise ${Math.round(Math.max(before.tally.slowest, during.tally.slowest, after.slowest, again.slowest))} ms`,
  );
  // While suspect, B's reads fail with their own timeout (never answered from elsewhere), none late.
  expect(suspect.hits + suspect.misses).toBe(0);
  expect(Object.keys(suspect.rejected).length).toBeGreaterThan(0);
  for (const code of Object.keys(suspect.rejected))
    expect(['ERR_TIMEOUT', 'ERR_SERVER_DEAD', 'ERR_CONNECTION_CLOSED']).toContain(code);
  // Each waited at most its timeout: 50 ms of slack, plus the longest stall of this process's event
  // loop meanwhile (on a shared 2-core machine a timer can fire that late through no fault of the
  // client's). A call queued behind another one on B would take twice the timeout.
  const bound = TIMEOUT + 50 + stallMs;
  expect(
    suspect.took.filter((ms) => ms > bound),
    `suspect-phase calls over ${Math.round(bound)} ms (event loop stalled up to ${Math.round(stallMs)} ms)`,
  ).toEqual([]);
  for (const t of [before.tally, during.tally, after, again]) {
    expect(t.wrong).toBe(0);
    expect(t.stale).toBe(0);
    expect(t.rejected).toEqual({});
    expect(t.late, `calls over ${TIMEOUT + 50} ms`).toBe(0);
  }
  // During: A's and C's keys hit; B's keys miss where they went, a miss being just a miss.
  expect(during.tally.misses).toBe(bKeys.length);
  expect(during.tally.hits).toBe(keys.length - bKeys.length);
  // Just after B's return: B's keys were deleted on it (they were written elsewhere), so they miss once.
  expect(after.misses).toBe(bKeys.length);
  expect(again.hits).toBe(keys.length);
  return { ratio, sideLoad: await sideLoad };
}

/** cmd_get + cmd_set of the gutter server so far. */
function failoverLoad(): Promise<number> {
  return load(g);
}

describe('failover routes during an outage', () => {
  it("failover: 'gutter': the live primaries' load stays within 10%, B's keys are served by the gutter, nothing stale after B returns", async () => {
    const client = new Client(options('gutter'));
    try {
      const { ratio, sideLoad } = await outage(client, 'gutter');
      expect(Math.abs(ratio - 1), 'live primaries: load during / before - 1').toBeLessThanOrEqual(0.1);
      // The gutter took B's share: a read and a write of each of B's keys.
      expect(sideLoad).toBeGreaterThanOrEqual(2 * bKeys.length);
    } finally {
      await client.close();
    }
  });

  it("failover: 'rehash' (the default): B's share moves onto A and C (what the 10% check catches), nothing stale after B returns", async () => {
    const client = new Client(options('rehash'));
    try {
      const { ratio, sideLoad } = await outage(client, 'rehash');
      expect(ratio).toBeGreaterThan(1.2);
      expect(sideLoad).toBe(0);
    } finally {
      await client.close();
    }
  });
  it('gutter items never outlive gutter.ttl: no-expiry and long TTLs, touch, gat, incr and setMulti are clamped', async () => {
    const ttl = 3;
    const client = new Client({
      servers: addresses([a, b, c]),
      timeout: TIMEOUT,
      connectTimeout: TIMEOUT,
      failover: 'gutter',
      gutter: { servers: [g.address], ttl },
    });
    const connected: string[] = [];
    client.on('connect', (address: string) => connected.push(address));
    try {
      bKeys = keys.filter((k) => client.serverFor(k) === b.address);
      await b.stop();
      await untilDead(client);
      const [k0, k1, k2, k3, k4, k5, k6] = bKeys as [string, string, string, string, string, string, string];
      expect(await client.set(k0, 'forever')).toBe(true);
      expect(await client.set(k1, 'a day', { ttl: 86_400 })).toBe(true);
      expect(await client.add(k2, 'added', { ttl: 0 })).toBe(true);
      expect(await client.set(k3, 'touched', { ttl: 1 })).toBe(true);
      expect(await client.touch(k3, 3600)).toBe(true);
      expect(await client.set(k4, 'gat', { ttl: 2 })).toBe(true);
      expect(await client.gat(k4, 0)).toBe('gat');
      expect(await client.incr(k5, 1, { initial: 7, ttl: 0 })).toBe(7n);
      expect(await client.setMulti([[k6, 'multi']], { ttl: 0 })).toEqual([]);
      const written = [k0, k1, k2, k3, k4, k5, k6];
      // The gutter server's connection is reported like a primary's.
      expect(connected).toContain(g.address);
      // Every one is on the gutter server, with a TTL of at most gutter.ttl.
      for (const k of written) {
        const reply = await rawCommand(g, `mg ${k} t v\r\n`);
        const t = /^VA \d+ .*t(-?\d+)/.exec(reply);
        expect(t, `${k} on the gutter: ${reply}`).not.toBeNull();
        expect(Number(t![1]), `${k}'s TTL on the gutter`).toBeGreaterThan(0);
        expect(Number(t![1])).toBeLessThanOrEqual(ttl);
      }
      // memcached's own clock: ttl + 2 seconds later every one is gone from the gutter.
      await waitServerSeconds(g, ttl + 2);
      for (const k of written) expect(await rawCommand(g, `mg ${k} v\r\n`), k).toBe('EN\r\n');
      // And the client reads them as misses (B is still dead: reads go to the gutter).
      for (const k of written) expect(await client.get(k)).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
