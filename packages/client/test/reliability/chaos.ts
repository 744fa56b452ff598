/**
 * The fault driver of the desync workload: while running, it keeps changing the faults of each
 * proxy at random (seeded) — garbage that looks like replies, truncated chunks, cuts in the
 * middle of a reply, RSTs, latency, stalls long enough to time commands out, dropped and
 * refused connections, one-byte reads — and counts what it did.
 *
 * Runs under vitest and under Node's type stripping (scripts/soak.mjs): no TS-only runtime syntax.
 */
import { createPrng, type FaultProxy, type Faults } from '@memkit/testing';

/**
 * Bytes inserted into server→client streams: plain junk, and lines that parse as replies
 * (the dangerous kind: a client that trusts reply order would hand them to a caller).
 */
export const GARBAGE: readonly string[] = [
  '\0\xffGARBAGE\r\n',
  'VALUE d:1 16 7\r\nd:1|1|x\r\n',
  'VALUE x 0 1\r\n',
  'VA 8 f16\r\nd:2|2|xx\r\n',
  'VA 9 f16 O1\r\nd:3|3|xxx\r\n',
  'EN\r\n',
  'HD\r\n',
  'NS\r\n',
  'MN\r\n',
  'END\r\n',
  'STORED\r\n',
  'SERVER_ERROR out of memory storing object\r\n',
  '12345\r\n',
  '\r\n',
  'VA 99999999999 f0\r\n',
];

/**
 * Garbage that does not parse as a reply. The text protocol has no opaque tokens, so a forged
 * reply line (`STORED`, a number) is indistinguishable from a real one there; text-mode runs
 * inject only these.
 */
export const JUNK: readonly string[] = [
  '\0\xffGARBAGE\r\n',
  '\xff\xfe\x00\x01',
  'VA 99999999999 f0\r\n',
  '\r\n',
];

/**
 * The kinds every run must inject at least once, whatever its length or the machine's load: the
 * first episode of each on a proxy is re-armed until the proxy reports it injected (see
 * `Chaos.covered`), and `runDesync` keeps the fault phase going until they all were.
 */
export const REQUIRED_KINDS = ['garbage', 'truncate', 'cut', 'reset', 'stall', 'latency'] as const;

/** One fault kind the driver can apply to a proxy for a while. */
type Kind = 'garbage' | 'truncate' | 'cut' | 'reset' | 'latency' | 'stall' | 'drop' | 'refuse' | 'slowReads';

const KINDS: readonly Kind[] = [
  'garbage',
  'garbage',
  'truncate',
  'cut',
  'cut',
  'reset',
  'latency',
  'stall',
  'drop',
  'refuse',
  'slowReads',
];

/** A running fault driver. */
export interface Chaos {
  /** Fault episodes started, by kind. */
  readonly episodes: Record<string, number>;
  /** True once every kind of `REQUIRED_KINDS` was injected by some proxy. */
  covered(): boolean;
  /** Stops changing faults and resets every proxy to none. */
  stop(): Promise<void>;
}

/**
 * Starts changing the faults of `proxies` every `tickMs`. A proxy stays faulty for 30-330 ms
 * (stalls up to `maxStallMs`), then is reset; about half the time it gets a new fault at once.
 */
export function startChaos(
  proxies: readonly FaultProxy[],
  options: { seed: number; tickMs?: number; maxStallMs?: number; garbage?: readonly string[] },
): Chaos {
  const random = createPrng(options.seed);
  const tickMs = options.tickMs ?? 20;
  const maxStallMs = options.maxStallMs ?? 700;
  const garbageList = options.garbage ?? GARBAGE;
  const episodes: Record<string, number> = {};
  const until = proxies.map(() => 0);
  // One change at a time per proxy: set() is async (refuse re-listens).
  const chains = proxies.map(() => Promise.resolve());
  const distinct = [...new Set(KINDS)];
  const firstRound = proxies.map((_, i) => [...distinct.slice(i * 3), ...distinct.slice(0, i * 3)]);
  /** Per proxy: the first-round episode of a required kind under way, and its injection count at its start. */
  const armed: Array<{ kind: Kind; before: number; tries: number } | undefined> = proxies.map(
    () => undefined,
  );
  const injected = (i: number, kind: Kind): number =>
    (proxies[i]!.stats.faults as unknown as Record<string, number>)[kind] ?? 0;
  let stopped = false;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const apply = (i: number, change: () => Promise<void> | void): void => {
    chains[i] = chains[i]!.then(change).catch(() => undefined);
  };

  const startEpisode = (i: number, now: number, again?: Kind): void => {
    const proxy = proxies[i]!;
    // Every proxy first goes through each kind once (from its own offset), so even a short
    // run sees every fault; then kinds are drawn at random.
    const first = again ?? firstRound[i]!.shift();
    const kind = first ?? pick(KINDS);
    if (first && (REQUIRED_KINDS as readonly string[]).includes(first)) {
      const tries = again ? (armed[i]?.tries ?? 0) + 1 : 0;
      armed[i] = { kind: first, before: injected(i, first), tries };
    } else armed[i] = undefined;
    let duration = 30 + random() * 300;
    let faults: Partial<Faults> | undefined;
    switch (kind) {
      case 'garbage':
        faults = {
          garbageProbability: first ? 0.2 : 0.02 + random() * 0.1,
          garbage: pick(garbageList),
          seed: (random() * 1e9) | 0,
        };
        break;
      case 'truncate':
        faults = { truncateProbability: first ? 0.2 : 0.02 + random() * 0.1, seed: (random() * 1e9) | 0 };
        break;
      case 'cut':
        // The first cut comes early and stays armed long enough to hit a busy connection.
        faults = { cutAfterBytes: Math.floor(random() * (first ? 200 : 4000)) };
        duration = first ? 100 : 5 + random() * 40;
        break;
      case 'latency':
        faults = { latencyMs: 1 + Math.floor(random() * 40) };
        break;
      case 'stall':
        faults = { stall: true };
        // The first stall of each proxy outlasts any command timeout below maxStallMs.
        duration = first ? maxStallMs : 100 + random() * (maxStallMs - 100);
        break;
      case 'drop':
        faults = { dropNewConnections: true };
        break;
      case 'refuse':
        faults = { refuse: true };
        break;
      case 'slowReads':
        faults = { slowReads: true };
        duration = 5 + random() * 30;
        break;
      case 'reset':
        duration = 0;
        break;
    }
    episodes[kind] = (episodes[kind] ?? 0) + 1;
    until[i] = now + duration;
    if (kind === 'reset') apply(i, () => void proxy.resetConnections());
    else if (faults) {
      const f = faults;
      apply(i, () => proxy.set(f));
    }
  };

  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    proxies.forEach((proxy, i) => {
      if (now < until[i]!) return;
      apply(i, () => proxy.reset());
      const a = armed[i];
      // A first episode that found no traffic to hurt (no connection, no reply chunk) runs again.
      if (a && injected(i, a.kind) === a.before && a.tries < 100) startEpisode(i, now, a.kind);
      else if (random() < 0.5) startEpisode(i, now);
      else {
        armed[i] = undefined;
        until[i] = now + random() * 200;
      }
    });
    timer = setTimeout(tick, tickMs);
  };
  let timer = setTimeout(tick, tickMs);

  return {
    episodes,
    covered: () => REQUIRED_KINDS.every((kind) => proxies.some((_, i) => injected(i, kind) > 0)),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(chains);
      await Promise.all(proxies.map((p) => p.reset()));
    },
  };
}
