/**
 * What every command module gets: the global options, the streams, and
 * the one client of a command, always closed afterwards.
 */
import type { Client } from '@memkit/client';
import { type GlobalOptions, poolClient, serverTargets } from '../config';
import type { ExitCodeValue } from '../errors';
import type { CliIo } from '../io';

/** The context a command action runs in. */
export interface CommandContext {
  opts: GlobalOptions;
  io: CliIo;
}

/** Runs `fn` with a client over the whole pool and closes it afterwards. */
export async function withPool<T>(ctx: CommandContext, fn: (client: Client) => Promise<T>): Promise<T> {
  // An endpoint that cannot be read fails the command at once with ERR_DISCOVERY, instead of
  // every call waiting its timeout for a topology that will not come.
  if (ctx.opts.discover !== undefined) await serverTargets(ctx.opts);
  const client = poolClient(ctx.opts);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** A command's outcome: the exit code. */
export type CommandResult = Promise<ExitCodeValue>;
