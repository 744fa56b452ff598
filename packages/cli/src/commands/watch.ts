/**
 * `memkit watch`: the live table, redrawn every interval with per-second
 * rates, until Ctrl-C (or `--count` refreshes). With `--json` it prints one
 * JSON summary per line instead (NDJSON), for scripts.
 */
import { ExitCode } from '../errors';
import { type MonitorTick, StatsMonitor } from '../stats/monitor';
import { renderSummaryTable } from '../stats/table';
import { type CommandContext, type CommandResult, withPool } from './shared';

/** Options of `memkit watch`. */
export interface WatchCommandOptions {
  /** ms between refreshes. */
  interval: number;
  /** Stop after this many refreshes (default: until Ctrl-C). */
  count?: number;
}

/** Cursor home + clear screen: redraw in place on a terminal. */
const CLEAR = '\x1b[H\x1b[2J';

function frame(tick: MonitorTick, intervalMs: number): string {
  const time = new Date(tick.summary.at).toISOString().replace('T', ' ').slice(0, 19);
  const every = intervalMs % 1000 === 0 ? `${intervalMs / 1000}s` : `${intervalMs}ms`;
  const header = `memkit watch, every ${every}, ${time} UTC (Ctrl-C to quit)`;
  return `${header}\n${renderSummaryTable(tick.summary, 'live')}\n`;
}

/** Samples every `interval` ms and redraws. */
export function watchCommand(ctx: CommandContext, options: WatchCommandOptions): CommandResult {
  return withPool(ctx, async (client) => {
    const monitor = new StatsMonitor({ client, intervalMs: options.interval, historySize: 2 });
    let frames = 0;
    const done = new Promise<void>((resolve, reject) => {
      monitor.on('error', reject);
      monitor.on('tick', (tick: MonitorTick) => {
        frames++;
        if (ctx.opts.json) ctx.io.out(`${JSON.stringify(tick.summary)}\n`);
        else
          ctx.io.out(
            ctx.io.isTTY ? CLEAR + frame(tick, options.interval) : `${frame(tick, options.interval)}\n`,
          );
        if (options.count !== undefined && frames >= options.count) resolve();
      });
    });
    const finished = new AbortController();
    monitor.start();
    try {
      await Promise.race([done, ctx.io.untilStopped(finished.signal)]);
    } finally {
      finished.abort();
      monitor.stop();
    }
    return ExitCode.OK;
  });
}
