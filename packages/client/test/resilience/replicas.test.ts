/**
 * Replicas against real memcacheds: where copies land, a replica killed
 * (SIGKILL) under concurrent load, a replica frozen (SIGSTOP) while keys are
 * deleted, and what `replicaWrites` makes of a dead copy.
 */
import { type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  type FailureMessage,
  isPartialFailure,
  type MemkitError,
  type ReplicaFailureMessage,
} from '../../src/index';
import { addresses, freeze, nextEvent, Tally } from './scenario';

let servers: MemcachedInstance[];
const opened: Client[] = [];

beforeEach(async () => {
  servers = await startMemcachedCluster(3);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  for (const s of servers) s.kill('SIGCONT');
  await stopAll(servers);
});

function client(options: ConstructorParameters<typeof Client>[0]): Client {
  const c = new Client({ servers: addresses(servers), timeout: 300, deadRetryDelay: 1000, ...options });
  opened.push(c);
  return c;
}

/** One client per server, to see what each holds. */
function direct(): Client[] {
  return servers.map((s) => client({ servers: [s.address], replicas: 1, failover: 'error' }));
}

/** The servers (indexes) holding `key`. */
async function holders(raw: Client[], key: string): Promise<number[]> {
  const got = await Promise.all(raw.map((c) => c.get(key)));
  return got.flatMap((v, i) => (v === undefined ? [] : [i]));
}

const keys = Array.from({ length: 300 }, (_, i) => `rep:${i}`);

describe('replicas: 2 of 3 servers', () => {
  it.each(['ketama', 'modula'] as const)(
    '%s: stores each key on exactly two servers, the first being the one reads use, and deletes both',
    async (hashing) => {
      const c = client({ replicas: 2, hashing });
      const raw = direct();
      for (const k of keys.slice(0, 60)) expect(await c.set(k, `v:${k}`)).toBe(true);
      const perServer = [0, 0, 0];
      for (const k of keys.slice(0, 60)) {
        const on = await holders(raw, k);
        expect(on, k).toHaveLength(2);
        const copies = c.replicasFor(k);
        expect(on.map((i) => servers[i]!.address).sort()).toEqual([...copies].sort());
        expect(copies[0]).toBe(c.serverFor(k));
        for (const i of on) perServer[i]!++;
        expect(await c.get(k)).toBe(`v:${k}`);
      }
      for (const n of perServer) expect(n).toBeGreaterThan(10);
      expect(await c.deleteMulti(keys.slice(0, 30))).toEqual([]);
      for (const k of keys.slice(30, 60)) expect(await c.delete(k)).toBe(true);
      for (const k of keys.slice(0, 60)) expect(await holders(raw, k)).toEqual([]);
    },
  );

  it('writes multi-key calls to every copy and reads them back', async () => {
    const c = client({ replicas: 2 });
    const raw = direct();
    expect(await c.setMulti(keys.map((k) => [k, k.toUpperCase()] as const))).toEqual([]);
    for (const k of keys.slice(0, 40)) expect(await holders(raw, k)).toHaveLength(2);
    const got = await c.getMulti(keys);
    expect(got.size).toBe(keys.length);
    for (const k of keys) expect(got.get(k)).toBe(k.toUpperCase());
    expect(await c.deleteMulti([...keys.slice(0, 5), 'rep:absent'])).toEqual(['rep:absent']);
  });

  it('cas: the compare-and-swap on the copy reads use, the value then set on the other', async () => {
    const c = client({ replicas: 2 });
    const raw = direct();
    await c.set('rep:cas', 'one');
    const read = await c.gets<string>('rep:cas');
    expect(await c.cas('rep:cas', 'two', read!.cas)).toBe(true);
    expect(await c.cas('rep:cas', 'three', read!.cas)).toBe(false);
    const on = await holders(raw, 'rep:cas');
    expect(on).toHaveLength(2);
    for (const i of on) expect(await raw[i]!.get('rep:cas')).toBe('two');
  });

  it('incr/decr: every copy counts; the value is the first copy’s', async () => {
    const c = client({ replicas: 2 });
    const raw = direct();
    expect(await c.incr('rep:n', 1, { initial: 10 })).toBe(10n);
    expect(await c.incr('rep:n', 5)).toBe(15n);
    expect(await c.decr('rep:n', 3)).toBe(12n);
    const on = await holders(raw, 'rep:n');
    expect(on).toHaveLength(2);
    for (const i of on) expect(String(await raw[i]!.get('rep:n'))).toBe('12');
  });
});

/** Concurrent readers and writers until `stop()`; counts what they saw. */
function load(c: Client, workers: number, written: readonly string[], lateMs = 300 + 50) {
  const reads = new Tally(lateMs);
  const writes = new Tally(lateMs);
  let running = true;
  let n = 0;
  const run = async (w: number) => {
    while (running) {
      const i = n++;
      const k = written[(i * 7919) % written.length]!;
      const r = await reads.time(() => c.get(k));
      if (r.ok) reads.read(r.value, `v1:${k}`);
      const wk = `rep:new:${w}:${i % 50}`;
      const s = await writes.time(() => c.set(wk, i));
      if (s.ok && s.value !== true) writes.wrong++;
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => run(w)));
  return {
    reads,
    writes,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('a replica killed under load', () => {
  it("replicaWrites: 'any': 0 misses for keys written before, 0 errors", async () => {
    const c = client({ replicas: 2, replicaWrites: 'any' });
    const tolerated: ReplicaFailureMessage[] = [];
    c.on('replica:failure', (m: ReplicaFailureMessage) => tolerated.push(m));
    for (const k of keys) expect(await c.set(k, `v1:${k}`)).toBe(true);
    const b = servers[1]!;
    const dead = nextEvent(c, 'server:dead', b.address);
    const traffic = load(c, 32, keys);
    await new Promise((r) => setTimeout(r, 300));
    const before = traffic.reads.hits;
    b.kill('SIGKILL');
    await dead;
    // Keep the load on for a while with B dead.
    const atDeath = traffic.reads.hits + traffic.reads.misses;
    while (traffic.reads.hits + traffic.reads.misses < atDeath + 2000)
      await new Promise((r) => setTimeout(r, 50));
    await traffic.stop();
    expect(before).toBeGreaterThan(0);
    expect(traffic.reads.misses, 'reads of keys written before that missed').toBe(0);
    expect(traffic.reads.wrong).toBe(0);
    expect(traffic.reads.rejected).toEqual({});
    expect(traffic.writes.rejected).toEqual({});
    expect(traffic.writes.wrong).toBe(0);
    expect(traffic.reads.late + traffic.writes.late, 'calls over timeout + 50 ms').toBe(0);
    // Multi-key reads find every key on a live copy too.
    const all = await c.getMulti(keys);
    expect(all.size).toBe(keys.length);
    // The copies B missed were reported, not hidden.
    expect(tolerated.some((m) => m.failures.some((f) => f.server === b.address))).toBe(true);
    console.log(
      `replicas kill/any: reads ${traffic.reads.hits} hits ${traffic.reads.misses} misses, ` +
        `writes ${traffic.writes.rejections} rejected, slowest ${Math.round(Math.max(traffic.reads.slowest, traffic.writes.slowest))} ms, ` +
        `${tolerated.length} replica:failure events`,
    );
  });

  it("replicaWrites: 'all' (default): a dead copy is a partial failure naming its server", async () => {
    const c = client({ replicas: 2, deadRetryDelay: 60_000 });
    for (const k of keys) await c.set(k, `v1:${k}`);
    const b = servers[1]!;
    const dead = nextEvent(c, 'server:dead', b.address);
    b.kill('SIGKILL');
    // Reads find B's keys on their other copy meanwhile.
    await Promise.all(keys.map((k) => c.get(k).catch(() => undefined)));
    await dead;
    const onB = keys.filter((k) => c.serverFor(k) !== b.address);
    let partial = 0;
    for (const k of keys) {
      try {
        expect(await c.set(k, `v2:${k}`)).toBe(true);
      } catch (err) {
        expect(isPartialFailure<boolean>(err), String(err)).toBe(true);
        const e = err as MemkitError & {
          partial: boolean;
          failures: { server: string; error: MemkitError }[];
        };
        expect(e.code).toBe('ERR_PARTIAL_FAILURE');
        expect(e.partial).toBe(true);
        expect(e.failures.map((f) => [f.server, f.error.code])).toEqual([[b.address, 'ERR_SERVER_DEAD']]);
        partial++;
      }
    }
    // Two of three servers hold each key: about two thirds of the keys have a copy on B.
    expect(partial).toBeGreaterThan(keys.length / 3);
    expect(onB.length).toBeGreaterThan(0);
    // Every key reads its new value from its live copy.
    for (const k of keys) expect(await c.get(k)).toBe(`v2:${k}`);
    try {
      await c.setMulti(keys.slice(0, 50).map((k) => [k, 'v3'] as const));
      expect.unreachable('setMulti with a dead copy resolved');
    } catch (err) {
      expect(isPartialFailure<string[]>(err)).toBe(true);
      const e = err as MemkitError & { partial: string[]; failures: { server: string; keys: string[] }[] };
      expect(e.partial).toEqual([]);
      expect(e.failures.map((f) => f.server)).toEqual([b.address]);
      expect(e.failures[0]!.keys.length).toBeGreaterThan(10);
    }
    const all = await c.getMulti(keys.slice(0, 50));
    for (const k of keys.slice(0, 50)) expect(all.get(k)).toBe('v3');
  });
});

describe('a replica frozen under load (SIGSTOP)', () => {
  it("replicaWrites: 'any': no misses; only reads already waiting on it when it froze fail", async () => {
    const workers = 16;
    const c = client({ replicas: 2, replicaWrites: 'any', deadRetryDelay: 60_000 });
    for (const k of keys) expect(await c.set(k, `v1:${k}`)).toBe(true);
    const b = servers[1]!;
    // Late means over timeout + 150 ms here: freezing a server makes many timers fire in one turn of
    // this busy process's event loop, on a shared 2-core box, and that turn alone can take over 50 ms.
    // The bound still proves what matters: no call waited for two timeouts (600 ms) on two copies.
    const traffic = load(c, workers, keys, 300 + 150);
    await new Promise((r) => setTimeout(r, 200));
    const dead = nextEvent(c, 'server:dead', b.address);
    await freeze(b);
    await dead;
    const atDeath = traffic.reads.hits + traffic.reads.misses;
    while (traffic.reads.hits + traffic.reads.misses < atDeath + 2000)
      await new Promise((r) => setTimeout(r, 50));
    await traffic.stop();
    expect(traffic.reads.misses).toBe(0);
    expect(traffic.reads.wrong).toBe(0);
    // A read waiting on B when it froze times out, or fails with the connection that an earlier
    // read's timeout destroyed just before its own deadline: either way the call's one deadline
    // leaves no time for the other copy. Each worker has one call at a time, and B is read last
    // once it failed, so at most one such read per worker.
    const codes = Object.keys(traffic.reads.rejected);
    expect(codes.filter((code) => code !== 'ERR_TIMEOUT' && code !== 'ERR_CONNECTION_CLOSED')).toEqual([]);
    expect(traffic.reads.rejections).toBeLessThanOrEqual(workers);
    expect(traffic.writes.rejected).toEqual({});
    expect(traffic.reads.late + traffic.writes.late, 'calls over timeout + 150 ms').toBe(0);
    console.log(
      `replicas freeze/any: reads ${traffic.reads.hits} hits ${traffic.reads.misses} misses ` +
        `${traffic.reads.rejections} timed out, writes ${traffic.writes.rejections} rejected, ` +
        `slowest ${Math.round(Math.max(traffic.reads.slowest, traffic.writes.slowest))} ms`,
    );
  });
});

describe('getOrSet with replicas', () => {
  it('loads once, stores on every copy, then hits', async () => {
    const c = client({ replicas: 2 });
    const raw = direct();
    let loads = 0;
    const loader = async () => {
      loads++;
      return 'loaded';
    };
    const got = await Promise.all(Array.from({ length: 10 }, () => c.getOrSet('rep:gos', loader)));
    expect(got.every((v) => v === 'loaded')).toBe(true);
    expect(loads).toBe(1);
    expect(await holders(raw, 'rep:gos')).toHaveLength(2);
    expect(await c.getOrSet('rep:gos', loader)).toBe('loaded');
    expect(loads).toBe(1);
  });
});

describe("replicas with onError: 'miss'", () => {
  it('a write too few copies took is false (never an array or a rejection), reported per server', async () => {
    const c = client({ replicas: 2, onError: 'miss', deadRetryDelay: 60_000 });
    const failures: FailureMessage[] = [];
    c.on('failure', (m: FailureMessage) => failures.push(m));
    for (const k of keys) expect(await c.set(k, `v1:${k}`)).toBe(true);
    const b = servers[1]!;
    const dead = nextEvent(c, 'server:dead', b.address);
    b.kill('SIGKILL');
    await Promise.all(keys.map((k) => c.get(k)));
    await dead;
    const withB = keys.filter((k) => c.replicasFor(k).includes(b.address));
    expect(withB.length).toBeGreaterThan(30);
    for (const k of withB.slice(0, 30)) expect(await c.set(k, 'v2')).toBe(false);
    expect(failures.filter((f) => f.server === b.address && f.method === 'set')).toHaveLength(30);
    // The live copy took the write, and reads find it there.
    for (const k of withB.slice(0, 30)) expect(await c.get(k)).toBe('v2');
    for (const k of keys.slice(0, 100)) expect(await c.get(k)).toBeDefined();
  });
});

describe('a delete while one replica is down', () => {
  it('never brings the value back when the frozen replica returns with its old items', async () => {
    const c = client({ servers: addresses(servers.slice(0, 2)), replicas: 2, replicaWrites: 'any' });
    const raw = direct();
    for (const k of keys) expect(await c.set(k, 'v1')).toBe(true);
    const b = servers[1]!;
    await freeze(b);
    const dead = nextEvent(c, 'server:dead', b.address);
    // The first deletes reach frozen B and time out there (B is then marked dead)...
    const early = await Promise.all(keys.slice(0, 40).map((k) => c.delete(k)));
    expect(early.every((d) => d === true)).toBe(true);
    await dead;
    // ...the rest are sent while B is marked dead: they never reach it.
    const late = await Promise.all(keys.slice(40).map((k) => c.delete(k)));
    expect(late.every((d) => d === true)).toBe(true);
    const alive = nextEvent(c, 'server:alive', b.address);
    b.kill('SIGCONT');
    await alive;
    // B holds none of them any more (it deleted them before serving again)...
    for (const k of keys) expect(await raw[1]!.get(k)).toBeUndefined();
    // ...so even with A gone, reading from B finds nothing.
    servers[0]!.kill('SIGKILL');
    const tally = new Tally(300 + 50);
    for (const k of keys) {
      const r = await tally.time(() => c.get(k));
      if (r.ok) tally.read(r.value, '(deleted)', ['v1']);
    }
    expect(tally.stale, 'deleted keys that came back').toBe(0);
    expect(tally.hits + tally.wrong).toBe(0);
  });

  it('never brings the value back after a SIGKILL and a restart on the same port', async () => {
    const c = client({ servers: addresses(servers.slice(0, 2)), replicas: 2, replicaWrites: 'any' });
    for (const k of keys) await c.set(k, 'v1');
    const b = servers[1]!;
    const dead = nextEvent(c, 'server:dead', b.address);
    b.kill('SIGKILL');
    await Promise.all(keys.map((k) => c.delete(k).catch(() => false)));
    await dead;
    for (const k of keys) expect(await c.delete(k)).toBe(false);
    const alive = nextEvent(c, 'server:alive', b.address);
    await b.restart();
    await alive;
    const got = await c.getMulti(keys);
    expect(got.size).toBe(0);
  });
});
