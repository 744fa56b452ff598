/**
 * `rawCommand`: the escape hatch for server commands memkit does not wrap
 * (pymemcache's `raw_command`), e.g. `lru_crawler crawl all`,
 * `slabs automove 1`, `stats detail dump`. The line is checked to be exactly
 * one command (`encodeRawCommand`) and goes out on a connection of its own,
 * closed afterwards, so neither the command nor its reply can ever mix with
 * the pipelined traffic of other calls.
 */
import { encodeRawCommand, MemkitError, rawCommandTokens } from '@memkit/protocol';
import type { Context } from '../context';
import { RawCommandExchange } from '../exchanges/raw';
import type { CommandOptions } from '../options';

/**
 * Options of `rawCommand`. What it sends cannot inject: the line must be a
 * single command (no CR, LF or other control character, at most 2048
 * bytes); a data block goes out only as `data`, and only after a command
 * whose line announces exactly its length; `noreply` and the meta `q` flag
 * are refused, since a reply is always read. The reply is read as text
 * lines (error replies reject with the usual codes, such as
 * `ERR_CLIENT_ERROR`): read values with the typed commands.
 */
export interface RawCommandOptions extends CommandOptions {
  /**
   * The line that ends the reply, e.g. `'END'` for `stats detail dump` or
   * `lru_crawler metadump`; it is not part of the result. Default: the reply
   * is a single line (`OK`, `VERSION …`, `EN`, …).
   */
  terminator?: string;
  /**
   * A data block to send after the line. Only for commands whose line
   * announces the block's length (`set … <bytes>`, `ms <key> <datalen>`),
   * and then required; the length must match exactly.
   */
  data?: string | Uint8Array;
  /** Most bytes of reply lines read before giving up with ERR_PROTOCOL. Default 16 MiB. */
  maxReplyBytes?: number;
}

const DEFAULT_MAX_REPLY_BYTES = 16 * 1024 * 1024;

/** Sends `line` to `server` (an address from `client.servers()`); the reply's lines. */
export function rawCommand(
  ctx: Context,
  server: string,
  line: string,
  opts: RawCommandOptions | undefined,
): Promise<string[]> {
  const pool = ctx.cluster.pools.find((p) => p.node.address === server);
  if (!pool) {
    const known = ctx.cluster.pools.map((p) => p.node.address).join(', ');
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `rawCommand: ${JSON.stringify(server)} is not one of this client's servers (${known})`,
    );
  }
  const terminator = opts?.terminator;
  if (terminator !== undefined && (typeof terminator !== 'string' || /[\r\n]/.test(terminator))) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'rawCommand: terminator must be a string without CR or LF');
  }
  const maxReplyBytes = opts?.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  if (!Number.isSafeInteger(maxReplyBytes) || maxReplyBytes < 1) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `rawCommand: maxReplyBytes must be a positive integer, got ${String(maxReplyBytes)}`,
    );
  }
  const chunks = encodeRawCommand(line, opts?.data);
  const verb = rawCommandTokens(line)[0]!;
  return ctx.dispatch(pool, new RawCommandExchange(verb, chunks, terminator, maxReplyBytes), opts, true);
}
