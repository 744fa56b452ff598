/**
 * `memkit flush --yes`: `flush_all` on every server. Destroys every item, so
 * it refuses to run without an explicit `--yes`.
 */
import { serverTargets } from '../config';
import { CliError, ExitCode } from '../errors';
import { toJson } from '../stats/format';
import { type CommandContext, type CommandResult, withPool } from './shared';

/** Options of `memkit flush`. */
export interface FlushCommandOptions {
  yes?: boolean;
  /** Seconds before the flush takes effect. */
  delay?: number;
}

/** Flushes every server of the pool. */
export async function flushCommand(ctx: CommandContext, options: FlushCommandOptions): CommandResult {
  const servers = (await serverTargets(ctx.opts)).map((t) => t.label);
  if (!options.yes) {
    throw new CliError(
      `flush would invalidate every item on ${servers.join(', ')}; run again with --yes to do it`,
    );
  }
  return withPool(ctx, async (client) => {
    await client.flushAll(options.delay);
    if (ctx.opts.json) ctx.io.out(`${toJson({ flushed: servers, delaySeconds: options.delay ?? 0 })}\n`);
    else ctx.io.out(`flushed ${servers.join(', ')}${options.delay ? ` in ${options.delay}s` : ''}\n`);
    return ExitCode.OK;
  });
}
