/**
 * Command-line parsing for `memkit-server`, mirroring memcached's flags
 * (`-p -l -m -c -I -v`) with `node:util` `parseArgs`. Pure: argv in,
 * options (or help/version/an error message) out.
 */
import { parseArgs } from 'node:util';
import type { ServerOptions } from './options';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'run'; options: ServerOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

/** `memkit-server --help`. */
export const USAGE = `Usage: memkit-server [options]

An embedded memcached-compatible server (text and meta protocol).

  -p, --port <num>            TCP port to listen on (default: 11211; 0 = any free port)
  -l, --listen <addr>         interface to listen on (default: 127.0.0.1)
  -m, --memory-limit <mb>     item memory in megabytes (default: 64)
  -c, --conn-limit <num>      max simultaneous connections (default: 1024)
  -I, --max-item-size <size>  max item size, bytes or with a k/m suffix (default: 1m)
  -v, --verbose               log connections; -vv also logs every command
  -h, --help                  print this help and exit
  -V, --version               print the version and exit

Accepted for drop-in use with memcached command lines, and ignored:
  -U 0 (UDP is never enabled), -u <user>, -t <threads>
`;

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  listen: { type: 'string', short: 'l' },
  'memory-limit': { type: 'string', short: 'm' },
  'conn-limit': { type: 'string', short: 'c' },
  'max-item-size': { type: 'string', short: 'I' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  'udp-port': { type: 'string', short: 'U' },
  user: { type: 'string', short: 'u' },
  threads: { type: 'string', short: 't' },
} as const;

function integer(name: string, text: string): number | string {
  if (!/^\d+$/.test(text)) return `${name} must be a non-negative integer, got "${text}"`;
  return Number(text);
}

/** Parses a size like memcached's `-I`: bytes, or a number with a k/m suffix. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit === 'k' ? n * 1024 : unit === 'm' ? n * 1024 * 1024 : n;
}

/** Turns argv (without `node` and the script) into a command. */
export function parseCli(argv: string[]): CliCommand {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values['udp-port'] !== undefined && values['udp-port'] !== '0') {
    return { kind: 'error', message: 'UDP is not supported: only -U 0 is accepted' };
  }

  const options: ServerOptions = { port: 11211 };
  const numeric: Array<[keyof ServerOptions, string, string | undefined]> = [
    ['port', '--port', values.port],
    ['memoryLimitMb', '--memory-limit', values['memory-limit']],
    ['maxConnections', '--conn-limit', values['conn-limit']],
  ];
  for (const [key, flag, text] of numeric) {
    if (text === undefined) continue;
    const n = integer(flag, text);
    if (typeof n === 'string') return { kind: 'error', message: n };
    (options as Record<string, unknown>)[key] = n;
  }
  if (values['max-item-size'] !== undefined) {
    const size = parseSize(values['max-item-size']);
    if (size === undefined) {
      return {
        kind: 'error',
        message: `--max-item-size must be bytes or <n>k/<n>m, got "${values['max-item-size']}"`,
      };
    }
    options.maxItemSize = size;
  }
  if (values.listen !== undefined) options.host = values.listen;
  const verbosity = values.verbose?.length ?? 0;
  if (verbosity > 0) options.verbose = Math.min(verbosity, 2);
  return { kind: 'run', options };
}
