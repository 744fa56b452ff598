/**
 * `memkit keys`: key listing through `lru_crawler metadump` (client.metadump), an admin
 * walk of every item on every server (fine for inspection, not for hot paths).
 */
import { CliError, ExitCode } from '../errors';
import { formatBytes, formatDuration, toJson } from '../stats/format';
import { plainTable } from '../stats/table';
import { type CommandContext, type CommandResult, withPool } from './shared';

/** Options of `memkit keys`. */
export interface KeysCommandOptions {
  prefix?: string;
  limit?: number;
  long?: boolean;
}

/** One listed key. */
export interface KeyInfo {
  key: string;
  server: string;
  /** Value size in bytes (as memcached reports it, item overhead excluded). */
  size?: number;
  /** Absolute expiry (Unix seconds), or -1 for never. */
  exp?: number;
  /** Last access (Unix seconds). */
  la?: number;
  /** Slab class. */
  cls?: number;
}

function field(fields: Record<string, string>, name: string): number | undefined {
  const v = fields[name];
  return v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);
}

/** Lists keys, sorted, filtered by prefix, at most `limit`. */
export function keysCommand(ctx: CommandContext, options: KeysCommandOptions): CommandResult {
  if (options.limit === 0) throw new CliError('--limit must be at least 1');
  return withPool(ctx, async (client) => {
    const dump = await client.metadump();
    const all: KeyInfo[] = [];
    for (const r of dump) {
      // A server that cannot be walked is named; the keys of the others are still listed.
      if (!r.ok) {
        ctx.io.err(`memkit: ${r.server} could not be listed: ${r.error.message}\n`);
        continue;
      }
      const server = r.server;
      for (const item of r.value) {
        if (options.prefix !== undefined && !item.key.startsWith(options.prefix)) continue;
        const f = item.fields;
        all.push({
          key: item.key,
          server,
          size: field(f, 'size'),
          exp: field(f, 'exp'),
          la: field(f, 'la'),
          cls: field(f, 'cls'),
        });
      }
    }
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const keys = options.limit === undefined ? all : all.slice(0, options.limit);
    if (ctx.opts.json) {
      ctx.io.out(`${toJson(keys)}\n`);
    } else if (options.long) {
      ctx.io.out(`${renderKeyTable(keys)}\n`);
    } else if (keys.length > 0) {
      ctx.io.out(`${keys.map((k) => k.key).join('\n')}\n`);
    }
    if (keys.length < all.length && !ctx.opts.json) {
      ctx.io.err(`memkit: showing ${keys.length} of ${all.length} keys (--limit)\n`);
    }
    return dump.every((r) => r.ok) ? ExitCode.OK : ExitCode.UNAVAILABLE;
  });
}

/** `--long`: key, server, size, time to live and idle time. */
function renderKeyTable(keys: KeyInfo[]): string {
  const now = Date.now() / 1000;
  const table = plainTable(['key', 'server', 'size', 'expires in', 'idle'], 2, true);
  for (const k of keys) {
    const ttl = k.exp === undefined ? '-' : k.exp < 0 ? 'never' : formatDuration(Math.max(0, k.exp - now));
    const idle = k.la === undefined ? '-' : formatDuration(Math.max(0, now - k.la));
    table.push([k.key, k.server, formatBytes(k.size), ttl, idle]);
  }
  return table.toString();
}
