/**
 * `stats [subcommand]`: dispatches to the reports and answers the
 * subcommands' errors with memcached's exact lines.
 */
import { type StatsRequest, safeStrtoul } from '@memkit/protocol';
import type { Context } from '../context';
import { connsStats, generalStats, itemsStats, type Stat, settingsStats, slabsStats } from '../stats/report';

function writeStats(ctx: Context, stats: Stat[]): void {
  for (const [name, value] of stats) ctx.out.line(`STAT ${name} ${value}`);
  ctx.out.line('END');
}

/** memcached's slab class ids are below 64. */
const MAX_SLAB_CLASSES = 64;

function cachedump(ctx: Context, args: string[]): void {
  if (args.length < 3) {
    ctx.out.line('CLIENT_ERROR bad command line');
    return;
  }
  const id = safeStrtoul(args[1]!);
  const limit = safeStrtoul(args[2]!);
  if (id === undefined || limit === undefined) {
    ctx.out.line('CLIENT_ERROR bad command line format');
    return;
  }
  if (id >= MAX_SLAB_CLASSES) {
    ctx.out.line('CLIENT_ERROR Illegal slab id');
    return;
  }
  // memcached walks from the LRU head: most recently used first.
  const items = [...ctx.store.values()].filter((item) => item.cls === id).reverse();
  const shown = limit === 0 ? items : items.slice(0, limit);
  for (const item of shown) ctx.out.line(`ITEM ${item.key} [${item.value.length} b; ${item.exptime} s]`);
  ctx.out.line('END');
}

/** Handles `stats` and its subcommands. */
export function handleStats(ctx: Context, req: StatsRequest): void {
  const [sub, arg] = req.args;
  switch (sub) {
    case undefined:
      writeStats(ctx, generalStats(ctx));
      break;
    case 'reset':
      ctx.counters.reset();
      ctx.store.resetCounters();
      ctx.out.line('RESET');
      break;
    case 'detail':
      // Per-prefix stats are not kept: accept the switch, dump nothing.
      if (arg === 'on' || arg === 'off') ctx.out.line('OK');
      else if (arg === 'dump') ctx.out.line('END');
      else ctx.out.line('CLIENT_ERROR usage: stats detail on|off|dump');
      break;
    case 'settings':
      writeStats(ctx, settingsStats(ctx, ctx.crawler.enabled));
      break;
    case 'items':
      writeStats(ctx, itemsStats(ctx));
      break;
    case 'slabs':
      writeStats(ctx, slabsStats(ctx));
      break;
    case 'conns':
      writeStats(ctx, connsStats(ctx));
      break;
    case 'sizes':
      writeStats(ctx, [['sizes_status', 'disabled']]);
      break;
    case 'extstore':
      ctx.out.line('END');
      break;
    case 'cachedump':
      cachedump(ctx, req.args);
      break;
    default:
      ctx.out.line('ERROR');
  }
}
