/**
 * Command-line parsing for `memkit-server`, mirroring memcached's flags
 * (`-p -l -m -c -I -v`) with `node:util` `parseArgs`. Pure: argv in,
 * options (or help/version/an error message) out.
 */
import { parseArgs } from 'node:util';
import type { ServerOptions } from './options';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'run'; options: ServerOptions; files: CliFiles }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

/** Files the command line names; the caller reads them (this module does no I/O). */
export interface CliFiles {
  /** `--cluster-config <file>`: node list to publish through `config get cluster`, re-read when it changes. */
  clusterConfig?: string;
  /** `-Y, --auth-file <file>`: `user:password` lines, as memcached's authfile. */
  authFile?: string;
  /** `--auth-mode`: which ASCII auth scheme the users must follow. */
  authMode?: 'memcached' | 'memcachier';
}

/** `memkit-server --help`. */
export const USAGE = `Usage: memkit-server [options]

An embedded memcached-compatible server (text and meta protocol).

  -p, --port <num>            TCP port to listen on (default: 11211; 0 = any free port)
  -l, --listen <addr>         interface to listen on (default: 127.0.0.1)
  -m, --memory-limit <mb>     item memory in megabytes (default: 64)
  -c, --conn-limit <num>      max simultaneous connections (default: 1024)
  -I, --max-item-size <size>  max item size, bytes or with a k/m suffix (default: 1m)
  -Y, --auth-file <file>      require ASCII auth; the file has user:password lines
      --auth-mode <mode>      memcached (default: a set of "user password") or
                              memcachier (first command: set <user> 0 0 <n> + password)
      --cluster-config <file> act as a configuration endpoint: answer config get
                              cluster with the nodes in <file> (host:port or
                              host|ip|port, separated by spaces or lines, # comments);
                              the file is re-read when it changes (version + 1)
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
  'auth-file': { type: 'string', short: 'Y' },
  'auth-mode': { type: 'string' },
  'cluster-config': { type: 'string' },
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
  const files: CliFiles = {};
  if (values['cluster-config'] !== undefined) files.clusterConfig = values['cluster-config'];
  if (values['auth-file'] !== undefined) files.authFile = values['auth-file'];
  const mode = values['auth-mode'];
  if (mode !== undefined) {
    if (mode !== 'memcached' && mode !== 'memcachier') {
      return { kind: 'error', message: `--auth-mode must be memcached or memcachier, got "${mode}"` };
    }
    if (files.authFile === undefined) return { kind: 'error', message: '--auth-mode needs --auth-file' };
    files.authMode = mode;
  }
  return { kind: 'run', options, files };
}
