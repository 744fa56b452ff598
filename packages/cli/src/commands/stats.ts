/**
 * `memkit stats [slabs|items|settings]`: the per-server table with totals
 * (or the slab/items/settings tables), as text or `--json`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode } from '../errors';
import { toJson } from '../stats/format';
import { type Sample, takeSample } from '../stats/sample';
import { groupByClass, renderSettingsTable, renderSlabTable } from '../stats/slabs';
import { summarize } from '../stats/summary';
import { renderSummaryTable } from '../stats/table';
import { type CommandContext, type CommandResult, withPool } from './shared';

/** The sub-reports of `memkit stats`. */
export const STATS_KINDS = ['slabs', 'items', 'settings'] as const;

/** Options of `memkit stats`. */
export interface StatsCommandOptions {
  /** ms between the two samples that give ops/s; 0 takes one sample (no rates). */
  interval: number;
}

function exitFor(sample: Sample) {
  return sample.servers.some((s) => !s.stats) ? ExitCode.UNAVAILABLE : ExitCode.OK;
}

/** `memkit stats`: two samples `interval` ms apart, so ops/s is a current rate. */
export function statsCommand(ctx: CommandContext, options: StatsCommandOptions): CommandResult {
  return withPool(ctx, async (client) => {
    let prev: Sample | undefined;
    if (options.interval > 0) {
      prev = await takeSample(client);
      await sleep(options.interval);
    }
    const sample = await takeSample(client);
    const summary = summarize(sample, prev);
    if (ctx.opts.json) {
      const raw = new Map(sample.servers.map((s) => [s.server, s.stats]));
      const servers = summary.servers.map((s) => ({ ...s, stats: raw.get(s.server) }));
      ctx.io.out(`${toJson({ ...summary, servers })}\n`);
    } else {
      ctx.io.out(`${renderSummaryTable(summary, 'snapshot')}\n`);
      for (const s of summary.servers) if (!s.up) ctx.io.err(`memkit: ${s.server} is down: ${s.error}\n`);
    }
    return exitFor(sample);
  });
}

/** `memkit stats slabs|items|settings`. */
export function statsKindCommand(ctx: CommandContext, kind: (typeof STATS_KINDS)[number]): CommandResult {
  return withPool(ctx, async (client) => {
    const sample = await takeSample(client, kind);
    if (ctx.opts.json) {
      const out: Record<string, unknown> = {};
      for (const s of sample.servers) {
        if (!s.stats) out[s.server] = { error: s.error };
        else out[s.server] = kind === 'settings' ? s.stats : groupByClass(s.stats, kind);
      }
      ctx.io.out(`${toJson(out)}\n`);
    } else if (kind === 'settings') {
      ctx.io.out(`${renderSettingsTable(sample.servers)}\n`);
    } else {
      const tables = sample.servers.map((s) => renderSlabTable(s, kind));
      ctx.io.out(`${tables.join('\n\n')}\n`);
    }
    return exitFor(sample);
  });
}
