/**
 * `memkit flush --yes`: `flush_all` on every server. Destroys every item, so
 * it refuses to run without an explicit `--yes`. A server that could not be
 * flushed is named on stderr and makes the exit code 3; the others are flushed.
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
    const results = await client.flushAll(options.delay);
    const flushed = results.filter((r) => r.ok).map((r) => r.server);
    const failed = results.flatMap((r) => (r.ok ? [] : [{ server: r.server, error: r.error }]));
    if (ctx.opts.json) {
      const errors = failed.map((f) => ({ server: f.server, code: f.error.code, error: f.error.message }));
      ctx.io.out(`${toJson({ flushed, failed: errors, delaySeconds: options.delay ?? 0 })}\n`);
    } else {
      if (flushed.length > 0)
        ctx.io.out(`flushed ${flushed.join(', ')}${options.delay ? ` in ${options.delay}s` : ''}\n`);
      for (const f of failed) ctx.io.err(`memkit: ${f.server} was not flushed: ${f.error.message}\n`);
    }
    // Every server that was not flushed still holds its items: the job is not done.
    return failed.length > 0 ? ExitCode.UNAVAILABLE : ExitCode.OK;
  });
}
