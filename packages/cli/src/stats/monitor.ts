/**
 * `StatsMonitor`: samples every server on a fixed interval, keeps a bounded
 * history of summaries (with rates), and optionally each server's slab
 * classes. `memkit watch` and the dashboard both read it.
 */
import { EventEmitter } from 'node:events';
import { type Client, MemkitError } from '@memkit/client';
import { type Sample, type ServerSample, takeSample } from './sample';
import { groupByClass, type SlabGroups } from './slabs';
import { type Summary, summarize } from './summary';

/** Options of {@link StatsMonitor}. */
export interface StatsMonitorOptions {
  /** The client whose servers are sampled (its per-server `stats` results). */
  client: Client;
  /** Time between samples in ms. Default 1000. */
  intervalMs?: number;
  /** Summaries kept for charts. Default 300 (five minutes at 1 s). */
  historySize?: number;
  /** Also sample `stats slabs` + `stats items` each tick. Default false. */
  slabs?: boolean;
}

/** One server's slab classes (`stats slabs` merged with `stats items`), or why they are missing. */
export interface ServerSlabs {
  /** The server address. */
  server: string;
  /** Why its slab classes are missing, when they are. */
  error?: string;
  /** Its slab classes, when it answered. */
  groups?: SlabGroups;
}

/** What one tick produced. */
export interface MonitorTick {
  /** The summarized sample. */
  summary: Summary;
  /** Present when the monitor samples slabs. */
  slabs?: ServerSlabs[];
}

/** Merges a server's `stats slabs` and `stats items` rows by class id. */
export function mergeSlabs(slabs: ServerSample, items: ServerSample): ServerSlabs {
  if (!slabs.stats) return { server: slabs.server, error: slabs.error ?? 'no answer' };
  const groups = groupByClass(slabs.stats, 'slabs');
  const itemGroups = items.stats ? groupByClass(items.stats, 'items') : { classes: [], globals: {} };
  const byId = new Map(groups.classes.map((c) => [c.id, c]));
  for (const c of itemGroups.classes) {
    const row = byId.get(c.id);
    if (row) Object.assign(row.stats, c.stats);
    else groups.classes.push(c);
  }
  groups.classes.sort((a, b) => a.id - b.id);
  return { server: slabs.server, groups };
}

/**
 * Samples on a timer. Emits `tick` (MonitorTick) after every sample and
 * `error` only for bugs (server failures are part of the sample). Ticks
 * never overlap: the next one is scheduled when the previous one finished.
 */
export class StatsMonitor extends EventEmitter {
  /** Milliseconds between samples. */
  readonly intervalMs: number;
  private readonly historySize: number;
  private readonly client: Client;
  private readonly withSlabs: boolean;
  private readonly summaries: Summary[] = [];
  private previous?: Sample;
  private lastTick?: MonitorTick;
  private timer?: NodeJS.Timeout;
  private running = false;
  private inFlight?: Promise<MonitorTick>;

  constructor(options: StatsMonitorOptions) {
    super();
    this.client = options.client;
    this.intervalMs = options.intervalMs ?? 1000;
    this.historySize = options.historySize ?? 300;
    this.withSlabs = options.slabs ?? false;
    if (!(this.intervalMs > 0) || !(this.historySize > 0)) {
      throw new MemkitError('ERR_INVALID_ARGUMENT', 'intervalMs and historySize must be positive');
    }
  }

  /** The servers, in configuration order. */
  get servers(): string[] {
    return this.client.servers();
  }

  /** Summaries so far, oldest first (at most `historySize`). */
  get history(): readonly Summary[] {
    return this.summaries;
  }

  /** The latest tick, if any. */
  get latest(): MonitorTick | undefined {
    return this.lastTick;
  }

  /** Samples now (sharing a sample already in flight) and records it. */
  tick(): Promise<MonitorTick> {
    this.inFlight ??= this.sampleOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Starts sampling: one sample at once, then every `intervalMs`. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      const started = performance.now();
      try {
        await this.tick();
      } catch (err) {
        this.emit('error', err);
      }
      if (!this.running) return;
      const wait = Math.max(0, this.intervalMs - (performance.now() - started));
      this.timer = setTimeout(loop, wait);
    };
    void loop();
  }

  /** Stops the timer (the client is the caller's to close). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async sampleOnce(): Promise<MonitorTick> {
    const [sample, slabs] = await Promise.all([takeSample(this.client), this.sampleSlabs()]);
    const summary = summarize(sample, this.previous);
    this.previous = sample;
    this.summaries.push(summary);
    if (this.summaries.length > this.historySize) this.summaries.shift();
    const tick: MonitorTick = slabs ? { summary, slabs } : { summary };
    this.lastTick = tick;
    this.emit('tick', tick);
    return tick;
  }

  private async sampleSlabs(): Promise<ServerSlabs[] | undefined> {
    if (!this.withSlabs) return undefined;
    const [slabs, items] = await Promise.all([
      takeSample(this.client, 'slabs'),
      takeSample(this.client, 'items'),
    ]);
    return slabs.servers.map((s, i) => mergeSlabs(s, items.servers[i]!));
  }
}
