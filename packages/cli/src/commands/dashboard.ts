/**
 * `memkit dashboard`: serves the live web dashboard until Ctrl-C.
 */
import { resolveServers } from '../config';
import { createDashboardServer } from '../dashboard/server';
import { CliError, ExitCode } from '../errors';
import type { CommandContext, CommandResult } from './shared';

/** Options of `memkit dashboard`. */
export interface DashboardCommandOptions {
  port: number;
  host: string;
  interval: number;
}

/** Starts the dashboard, prints its URL, and runs until stopped. */
export async function dashboardCommand(ctx: CommandContext, options: DashboardCommandOptions): CommandResult {
  const discover = ctx.opts.discover;
  if (discover !== undefined && ctx.opts.servers !== undefined) {
    throw new CliError('give --servers or --discover, not both');
  }
  const dashboard = await createDashboardServer({
    ...(discover === undefined
      ? { servers: resolveServers(ctx.opts.servers) }
      : { discover, discoverIntervalMs: Math.max(options.interval, 1000) }),
    clientOptions: {
      timeout: ctx.opts.timeout ?? 2000,
      connectTimeout: ctx.opts.timeout ?? 2000,
      protocol: ctx.opts.protocol ?? 'meta',
    },
    port: options.port,
    host: options.host,
    intervalMs: options.interval,
  });
  const servers = dashboard.monitor.servers;
  const watching =
    discover === undefined ? servers.join(', ') : `the nodes ${discover} publishes (${servers.join(', ')})`;
  if (ctx.opts.json) ctx.io.out(`${JSON.stringify({ url: dashboard.url, servers, discover })}\n`);
  else ctx.io.out(`memkit dashboard on ${dashboard.url} watching ${watching} (Ctrl-C to stop)\n`);
  try {
    await ctx.io.untilStopped();
  } finally {
    await dashboard.close();
  }
  return ExitCode.OK;
}
