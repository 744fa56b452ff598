/**
 * The desync workload shared by `desync.test.ts` and `pnpm soak`: three real memcacheds, each
 * behind a fault proxy; a pipelined mix of get, getMulti, set, gets + cas and incr on values
 * derived from their keys; a baseline phase, a fault phase driven by `startChaos`, and a
 * recovery phase. It counts every outcome (ok, errors by code, foreign and corrupt values,
 * settle times) and leaves judging them to the caller.
 *
 * Runs under vitest and under Node's type stripping (scripts/soak.mjs): no TS-only runtime
 * syntax, and the client class is passed in (source in tests, the build in the soak).
 */
import {
  createPrng,
  type FaultProxy,
  type MemcachedInstance,
  startFaultProxy,
  startMemcachedCluster,
  stopAll,
} from '@memkit/testing';
import type { Client, ClientOptions } from '../../src/index';
import { type Chaos, startChaos } from './chaos';
import { classifyCounter, classifyValue, counterBase, counterKey, dataKey, valueFor } from './values';

/** Counters of one phase. */
export interface PhaseCounts {
  ops: number;
  ok: number;
  /** Errors by `code` (or `name` for something that is not a MemkitError). */
  errors: Record<string, number>;
  /**
   * The servers' errors inside ERR_PARTIAL_FAILURE, by code: a stall's first timeout lands
   * here when the call it fails is a multi-key one.
   */
  partialCauses: Record<string, number>;
  /** Values that belong to another key: must stay 0. */
  mismatches: number;
  /** Values that belong to no key (bytes changed in flight). */
  corrupt: number;
  /** The first few wrong values, described, for the report. */
  samples: string[];
  /** Slowest settle, ms. */
  maxSettleMs: number;
  /** Calls that settled later than `timeout + settleSlackMs`. */
  late: number;
  elapsedMs: number;
  opsPerSecond: number;
}

/** Everything a run measured. */
export interface DesyncReport {
  baseline: PhaseCounts;
  faults: PhaseCounts;
  recovery: PhaseCounts;
  /** Fault episodes started by the driver, by kind. */
  episodes: Record<string, number>;
  /** Faults the proxies applied, by kind (chunks or connections affected). */
  injected: Record<string, number>;
  /** Milliseconds from the end of the faults until every server was alive again. */
  recoveredAfterMs: number;
  /** Proxy connections open at the end (expected: 1 to connectionsPerServer per server). */
  openConnections: number;
  /** The client's per-command timeout, ms. */
  timeout: number;
}

/** The counters as printed by the test and by `pnpm soak`. */
export function formatReport(label: string, r: DesyncReport): string {
  const f = r.faults;
  const phase = (p: PhaseCounts) =>
    `ops=${p.ops} ok=${p.ok} errors=${JSON.stringify(p.errors)} ops/s=${p.opsPerSecond}`;
  return [
    `[desync ${label}] ops=${f.ops} ok=${f.ok} mismatches=${f.mismatches} corrupt=${f.corrupt} late=${f.late}`,
    `  errors=${JSON.stringify(f.errors)} inside partial failures=${JSON.stringify(f.partialCauses)}`,
    `  faults injected=${JSON.stringify(r.injected)}`,
    `  fault episodes=${JSON.stringify(r.episodes)}`,
    `  maxSettleMs=${Math.round(f.maxSettleMs)} (timeout ${r.timeout}) faultPhaseMs=${Math.round(f.elapsedMs)}`,
    `  baseline: ${phase(r.baseline)}`,
    `  recovery: ${phase(r.recovery)} recoveredAfterMs=${Math.round(r.recoveredAfterMs)} openConnections=${r.openConnections}`,
    ...f.samples.map((s) => `  sample: ${s}`),
  ].join('\n');
}

/** The client class (the source in tests, the build in the soak). */
export type ClientClass = new (options: ClientOptions) => Client;

/** Options of {@link runDesync}. */
export interface DesyncOptions {
  ClientClass: ClientClass;
  /** Operations in the fault phase (or run for `faultMs`, whichever is given). */
  faultOps?: number;
  faultMs?: number;
  /** Operations in the baseline and in the recovery phase. Default 20 000. */
  phaseOps?: number;
  protocol?: 'meta' | 'text';
  seed?: number;
  /** Operations in flight at once. Default 512. */
  concurrency?: number;
  /** Per-command timeout of the client, in the fault phase. Default 400 ms. */
  timeout?: number;
  /**
   * Per-command timeout in the phases without faults (baseline, recovery), where nothing may fail:
   * long, so that a loaded machine makes them slower, not red. Default 10 000 ms.
   */
  calmTimeout?: number;
  /** The fault phase goes on past `faultOps`/`faultMs` until every required fault was injected, at most this long. Default 45 000 ms. */
  maxFaultMs?: number;
  /** How late past its timeout a call may settle before it counts as late. Default 250 ms. */
  settleSlackMs?: number;
  /** Garbage lines the chaos may inject (default: the full list, reply look-alikes included). */
  garbage?: readonly string[];
  /** Called about once a second during the fault phase. */
  onProgress?: (counts: PhaseCounts) => void;
}

const KEYS = 5000;
const COUNTERS = 64;

function emptyCounts(): PhaseCounts {
  return {
    ops: 0,
    ok: 0,
    errors: {},
    partialCauses: {},
    mismatches: 0,
    corrupt: 0,
    samples: [],
    maxSettleMs: 0,
    late: 0,
    elapsedMs: 0,
    opsPerSecond: 0,
  };
}

/** Runs the three phases and returns the counters. Starts and stops its own servers. */
export async function runDesync(options: DesyncOptions): Promise<DesyncReport> {
  const timeout = options.timeout ?? 400;
  const calmTimeout = options.calmTimeout ?? 10_000;
  const slack = options.settleSlackMs ?? 250;
  const random = createPrng(options.seed ?? 42);
  const servers: MemcachedInstance[] = await startMemcachedCluster(3, { memoryMb: 64 });
  const proxies: FaultProxy[] = [];
  let client: Client | undefined;
  let chaos: Chaos | undefined;
  try {
    for (const s of servers) proxies.push(await startFaultProxy({ target: s }));
    const dead = new Set<string>();
    const c = new options.ClientClass({
      servers: proxies.map((p) => p.address),
      protocol: options.protocol ?? 'meta',
      timeout,
      // Connecting is not what this measures: a loaded machine must not fail the calm phases' connects.
      connectTimeout: Math.max(timeout, 2000),
      reconnectDelay: 10,
      reconnectMaxDelay: 100,
      deadRetryDelay: 500,
      failureThreshold: 3,
    });
    client = c;
    c.on('server:dead', (a: string) => dead.add(a));
    c.on('server:alive', (a: string) => dead.delete(a));
    await seed(c);

    const phase = (counts: PhaseCounts, stop: () => boolean, onTick?: () => void, calm = true) =>
      runPhase(c, counts, {
        stop,
        random,
        timeout: calm ? calmTimeout : timeout,
        callOptions: calm ? { timeout: calmTimeout } : undefined,
        slack,
        concurrency: options.concurrency ?? 512,
        onTick,
      });

    const phaseOps = options.phaseOps ?? 20_000;
    const baseline = emptyCounts();
    await phase(baseline, () => baseline.ops >= phaseOps);

    const faults = emptyCounts();
    const garbage = options.garbage;
    chaos = startChaos(proxies, { seed: options.seed ?? 42, ...(garbage ? { garbage } : {}) });
    const started = performance.now();
    let lastProgress = started;
    const faultOps = options.faultOps;
    const faultMs = options.faultMs;
    const maxFaultMs = options.maxFaultMs ?? 45_000;
    const running = chaos;
    const enough = () =>
      faultOps !== undefined ? faults.ops >= faultOps : performance.now() - started >= (faultMs ?? 10_000);
    await phase(
      faults,
      () => (enough() && running.covered()) || performance.now() - started >= maxFaultMs,
      () => {
        const now = performance.now();
        if (options.onProgress && now - lastProgress >= 1000) {
          lastProgress = now;
          options.onProgress({ ...faults, elapsedMs: now - started });
        }
      },
      false,
    );
    await chaos.stop();
    const episodes = chaos.episodes;
    chaos = undefined;

    const calm = performance.now();
    while (dead.size > 0 && performance.now() - calm < 5000) await sleep(20);
    // Let every pool reconnect once: the first calls after the faults may meet a dying socket.
    await phase(
      emptyCounts(),
      (() => {
        let n = 0;
        return () => n++ >= 2000;
      })(),
    );
    const recoveredAfterMs = performance.now() - calm;
    const recovery = emptyCounts();
    await phase(recovery, () => recovery.ops >= phaseOps);

    const injected: Record<string, number> = {};
    for (const p of proxies) {
      for (const [k, v] of Object.entries(p.stats.faults)) injected[k] = (injected[k] ?? 0) + v;
    }
    return {
      baseline,
      faults,
      recovery,
      episodes,
      injected,
      recoveredAfterMs,
      openConnections: proxies.reduce((n, p) => n + p.connections, 0),
      timeout,
    };
  } finally {
    await chaos?.stop();
    await client?.close();
    await Promise.all(proxies.map((p) => p.close()));
    await stopAll(servers);
  }
}

function describe(value: unknown): string {
  const s = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 120 ? `${s.slice(0, 60)}…${s.slice(-60)}` : s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function seed(client: Client): Promise<void> {
  const entries: Array<[string, unknown]> = [];
  for (let i = 0; i < KEYS; i++) entries.push([dataKey(i), valueFor(dataKey(i), i)]);
  for (let j = 0; j < COUNTERS; j++) entries.push([counterKey(j), counterBase(j)]);
  for (let i = 0; i < entries.length; i += 500) {
    const failed = await client.setMulti(entries.slice(i, i + 500));
    if (failed.length > 0) throw new Error(`seeding failed for ${failed.length} keys`);
  }
}

interface PhaseContext {
  stop: () => boolean;
  random: () => number;
  /** The timeout the calls run with (for counting late ones). */
  timeout: number;
  /** Per-call options (a longer timeout in the calm phases). */
  callOptions: { timeout: number } | undefined;
  slack: number;
  concurrency: number;
  onTick: (() => void) | undefined;
}

/** Runs `concurrency` loops of random operations until `stop()`; fills `counts`. */
async function runPhase(client: Client, counts: PhaseCounts, ctx: PhaseContext): Promise<void> {
  const start = performance.now();
  const { random } = ctx;
  const o = ctx.callOptions;
  const timed = async <T>(call: () => Promise<T>, check: (value: T) => void): Promise<boolean> => {
    const t0 = performance.now();
    counts.ops++;
    let ok = false;
    try {
      const value = await call();
      check(value);
      counts.ok++;
      ok = true;
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name ?? 'unknown';
      counts.errors[code] = (counts.errors[code] ?? 0) + 1;
      // What the servers that answered returned must be sound too.
      if (code === 'ERR_PARTIAL_FAILURE') {
        const partial = err as { partial: T; failures: Array<{ error: { code?: string } }> };
        check(partial.partial);
        for (const f of partial.failures) {
          const cause = f.error.code ?? 'unknown';
          counts.partialCauses[cause] = (counts.partialCauses[cause] ?? 0) + 1;
        }
      }
      // Fast failures (every server dead, backoff) settle without I/O: without a yield these
      // loops would spin in microtasks and starve the timers that probe dead servers.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settle = performance.now() - t0;
    if (settle > counts.maxSettleMs) counts.maxSettleMs = settle;
    if (settle > ctx.timeout + ctx.slack) counts.late++;
    return ok;
  };
  const verdict = (v: 'ok' | 'foreign' | 'corrupt', what: string, value: unknown): void => {
    if (v === 'ok') return;
    if (v === 'foreign') counts.mismatches++;
    else counts.corrupt++;
    if (counts.samples.length < 5) counts.samples.push(`${v} ${what}: ${describe(value)}`);
  };
  const checkData = (key: string, value: unknown): void => {
    if (value !== undefined) verdict(classifyValue(key, value), key, value);
  };

  const one = async (): Promise<void> => {
    const r = random();
    const i = Math.floor(random() * KEYS);
    const key = dataKey(i);
    if (r < 0.35) {
      await timed(
        () => client.get(key, o),
        (v) => checkData(key, v),
      );
    } else if (r < 0.45) {
      const n = 1 + Math.floor(random() * 40);
      const keys = Array.from({ length: n }, () => dataKey(Math.floor(random() * KEYS)));
      await timed(
        () => client.getMulti(keys, o),
        (map) => {
          const asked = new Set(keys);
          for (const [k, v] of map) {
            if (!asked.has(k)) verdict('foreign', `getMulti returned unasked key ${k}`, v);
            else checkData(k, v);
          }
        },
      );
    } else if (r < 0.65) {
      const variant = Math.floor(random() * 1e6);
      await timed(
        () => client.set(key, valueFor(key, variant), o),
        () => undefined,
      );
    } else if (r < 0.82) {
      let cas: bigint | undefined;
      const got = await timed(
        () => client.gets(key, o),
        (res) => {
          if (res === undefined) return;
          checkData(key, res.value);
          cas = res.cas;
        },
      );
      if (got && cas !== undefined) {
        const variant = Math.floor(random() * 1e6);
        const c = cas;
        await timed(
          () => client.cas(key, valueFor(key, variant), c, o),
          () => undefined,
        );
      }
    } else {
      const j = Math.floor(random() * COUNTERS);
      const key = counterKey(j);
      await timed(
        () => client.incr(key, 1, o),
        (v) => {
          if (v !== undefined) verdict(classifyCounter(j, COUNTERS, v), key, v);
        },
      );
    }
  };

  const loop = async (): Promise<void> => {
    while (!ctx.stop()) {
      await one();
      ctx.onTick?.();
    }
  };
  await Promise.all(Array.from({ length: ctx.concurrency }, loop));
  counts.elapsedMs = performance.now() - start;
  counts.opsPerSecond = Math.round((counts.ops / counts.elapsedMs) * 1000);
}
