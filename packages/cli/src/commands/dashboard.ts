/**
 * `memkit dashboard`: serves the live web dashboard until Ctrl-C.
 */
import { resolveServers } from '../config';
import { createDashboardServer } from '../dashboard/server';
import { ExitCode } from '../errors';
import type { CommandContext, CommandResult } from './shared';

/** Options of `memkit dashboard`. */
export interface DashboardCommandOptions {
  port: number;
  host: string;
  interval: number;
}

/** Starts the dashboard, prints its URL, and runs until stopped. */
export async function dashboardCommand(ctx: CommandContext, options: DashboardCommandOptions): CommandResult {
  const servers = resolveServers(ctx.opts.servers);
  const dashboard = await createDashboardServer({
    servers,
    clientOptions: {
      timeout: ctx.opts.timeout ?? 2000,
      connectTimeout: ctx.opts.timeout ?? 2000,
      protocol: ctx.opts.protocol ?? 'meta',
    },
    port: options.port,
    host: options.host,
    intervalMs: options.interval,
  });
  if (ctx.opts.json) ctx.io.out(`${JSON.stringify({ url: dashboard.url, servers })}\n`);
  else ctx.io.out(`memkit dashboard on ${dashboard.url} watching ${servers.join(', ')} (Ctrl-C to stop)\n`);
  try {
    await ctx.io.untilStopped();
  } finally {
    await dashboard.close();
  }
  return ExitCode.OK;
}
