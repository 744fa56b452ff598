/**
 * What every command module gets: the global options, the streams, and
 * the one client of a command, always closed afterwards.
 */
import type { Client } from '@memkit/client';
import { type GlobalOptions, poolClient } from '../config';
import type { ExitCodeValue } from '../errors';
import type { CliIo } from '../io';

/** The context a command action runs in. */
export interface CommandContext {
  opts: GlobalOptions;
  io: CliIo;
}

/** Runs `fn` with a client over the whole pool and closes it afterwards. */
export async function withPool<T>(ctx: CommandContext, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = poolClient(ctx.opts);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** A command's outcome: the exit code. */
export type CommandResult = Promise<ExitCodeValue>;
