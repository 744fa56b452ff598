/**
 * The key commands: `get`, `set`, `delete`, `touch`, `incr`, `decr`. Values
 * go through the client's python-memcached compatible serializer, so what
 * `memkit get` prints is what an application stored.
 */
import { isPartialFailure, type KeyFailure } from '@memkit/client';
import { ExitCode } from '../errors';
import { readAll } from '../io';
import { toJson } from '../stats/format';
import { type CommandContext, type CommandResult, withPool } from './shared';

/** A value as text: strings as is, numbers and JSON values as JSON. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** A value for `--json`: bytes become `{ base64 }` so the output stays valid JSON. */
function asJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  return value;
}

function notFound(ctx: CommandContext, keys: string[], what = 'not found'): void {
  for (const key of keys) ctx.io.err(`memkit: ${what}: ${key}\n`);
}

/**
 * `memkit get <key...>`. One key prints its value alone (bytes raw, for
 * piping); several print `key: value` lines. Misses go to stderr, exit 1.
 * Keys whose server failed are named on stderr (never shown as misses, and
 * left out of `--json`), exit 3; the others are still printed.
 */
export function getCommand(ctx: CommandContext, keys: string[]): CommandResult {
  return withPool(ctx, async (client) => {
    let found: Map<string, unknown>;
    let failures: KeyFailure[] = [];
    try {
      found = keys.length === 1 ? await getOne(client, keys[0]!) : await client.getMulti(keys);
    } catch (err) {
      if (!isPartialFailure<Map<string, unknown>>(err)) throw err;
      found = err.partial;
      failures = err.failures;
    }
    const failed = new Set(failures.flatMap((f) => f.keys));
    const missing = keys.filter((k) => !found.has(k) && !failed.has(k));
    if (ctx.opts.json) {
      const out: Record<string, unknown> = {};
      for (const k of keys) if (!failed.has(k)) out[k] = found.has(k) ? asJson(found.get(k)) : null;
      ctx.io.out(`${toJson(out)}\n`);
    } else if (keys.length === 1 && found.has(keys[0]!)) {
      const value = found.get(keys[0]!);
      ctx.io.out(value instanceof Uint8Array ? value : `${asText(value)}\n`);
    } else {
      for (const k of keys) {
        if (!found.has(k)) continue;
        const value = found.get(k);
        const text = value instanceof Uint8Array ? `<${value.length} bytes>` : asText(value);
        ctx.io.out(`${k}: ${text}\n`);
      }
    }
    notFound(ctx, missing);
    for (const f of failures) {
      for (const k of f.keys) ctx.io.err(`memkit: ${k}: ${f.error.message} (${f.error.code})\n`);
    }
    if (failures.length > 0) return ExitCode.UNAVAILABLE;
    return missing.length > 0 ? ExitCode.NEGATIVE : ExitCode.OK;
  });
}

async function getOne(client: { get(k: string): Promise<unknown> }, key: string) {
  const value = await client.get(key);
  return new Map<string, unknown>(value === undefined ? [] : [[key, value]]);
}

/** Options of `memkit set`. */
export interface SetCommandOptions {
  /** Seconds; 0 = no expiry. */
  ttl: number;
}

/** `memkit set <key> [value]`: the value argument as a string, or standard input as bytes. */
export function setCommand(
  ctx: CommandContext,
  key: string,
  value: string | undefined,
  options: SetCommandOptions,
): CommandResult {
  return withPool(ctx, async (client) => {
    const data = value ?? (await readAll(ctx.io.stdin));
    const stored = await client.set(key, data, { ttl: options.ttl });
    if (ctx.opts.json) ctx.io.out(`${toJson({ key, stored })}\n`);
    if (!stored) notFound(ctx, [key], 'not stored');
    return stored ? ExitCode.OK : ExitCode.NEGATIVE;
  });
}

/** `memkit delete <key...>`: exit 1 when any key was not there. */
export function deleteCommand(ctx: CommandContext, keys: string[]): CommandResult {
  return withPool(ctx, async (client) => {
    const results = await Promise.all(keys.map((k) => client.delete(k)));
    const missing = keys.filter((_, i) => !results[i]);
    if (ctx.opts.json) {
      ctx.io.out(`${toJson(Object.fromEntries(keys.map((k, i) => [k, results[i]])))}\n`);
    }
    notFound(ctx, missing);
    return missing.length > 0 ? ExitCode.NEGATIVE : ExitCode.OK;
  });
}

/** `memkit touch <key> <ttl>`: sets a new TTL in seconds. */
export function touchCommand(ctx: CommandContext, key: string, ttl: number): CommandResult {
  return withPool(ctx, async (client) => {
    const touched = await client.touch(key, ttl);
    if (ctx.opts.json) ctx.io.out(`${toJson({ key, touched })}\n`);
    if (!touched) notFound(ctx, [key]);
    return touched ? ExitCode.OK : ExitCode.NEGATIVE;
  });
}

/** `memkit incr|decr <key> [delta]`: prints the new value. */
export function arithmeticCommand(
  ctx: CommandContext,
  op: 'incr' | 'decr',
  key: string,
  delta: bigint,
): CommandResult {
  return withPool(ctx, async (client) => {
    const value = await client[op](key, delta);
    if (ctx.opts.json) ctx.io.out(`${toJson({ key, value })}\n`);
    else if (value !== undefined) ctx.io.out(`${value}\n`);
    if (value === undefined) notFound(ctx, [key]);
    return value === undefined ? ExitCode.NEGATIVE : ExitCode.OK;
  });
}
