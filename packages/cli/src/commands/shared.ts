/**
 * What every command module gets: the global options, the streams, and
 * helpers to open clients that are always closed afterwards.
 */
import type { Client } from '@memkit/client';
import { type GlobalOptions, poolClient, serverClients } from '../config';
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

/** Runs `fn` with one client per server and closes them afterwards. */
export async function withServers<T>(
  ctx: CommandContext,
  fn: (clients: Map<string, Client>) => Promise<T>,
): Promise<T> {
  const clients = await serverClients(ctx.opts);
  try {
    return await fn(clients);
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}

/** A command's outcome: the exit code. */
export type CommandResult = Promise<ExitCodeValue>;
