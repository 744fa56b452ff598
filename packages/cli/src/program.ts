/**
 * The `memkit` command line: commander definitions of every command, global
 * options, help texts, and `run()`, which maps every outcome (including
 * commander's own usage errors) to an exit code without stack traces.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import pkg from '../package.json';
import { dashboardCommand } from './commands/dashboard';
import { flushCommand } from './commands/flush';
import { keysCommand } from './commands/keys';
import { arithmeticCommand, deleteCommand, getCommand, setCommand, touchCommand } from './commands/kv';
import type { CommandContext } from './commands/shared';
import { STATS_KINDS, statsCommand, statsKindCommand } from './commands/stats';
import { watchCommand } from './commands/watch';
import { DEFAULT_SERVER, type GlobalOptions } from './config';
import { ExitCode, type ExitCodeValue, exitCodeOf, formatError } from './errors';
import { type CliIo, processIo } from './io';
import { delta, integer, port } from './parse';

const EXIT_HELP = `
Servers come from --servers, else $MEMCACHED_SERVERS (comma-separated), else ${DEFAULT_SERVER};
or from a configuration endpoint with --discover host:port (AWS ElastiCache, GCP Memorystore,
memkit-server --cluster-config): the nodes it publishes with config get cluster.

Exit codes: 0 ok, 1 negative answer (key not found, not stored),
            2 usage error, 3 a server is down or failed.`;

/** Builds the program; `setExit` receives each action's exit code. */
export function createProgram(io: CliIo, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('memkit');
  program
    .description('Look at and work with a memcached pool: stats, keys, a live view and a web dashboard.')
    .version(pkg.version, '-V, --version')
    .option('-s, --servers <list>', 'comma-separated host:port list')
    .option(
      '--discover <host:port>',
      'read the servers from this configuration endpoint (config get cluster)',
    )
    .option('--timeout <ms>', 'per-command timeout in ms (default 2000)', integer(1))
    .addOption(
      new Option('--protocol <name>', 'wire protocol (default meta; auto: learned per server)').choices([
        'meta',
        'text',
        'auto',
      ]),
    )
    .option('--json', 'machine-readable JSON output')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const ctx = (cmd: Command): CommandContext => ({ opts: cmd.optsWithGlobals<GlobalOptions>(), io });
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) =>
    async (...args: A) =>
      setExit(await fn(...args));

  program
    .command('stats')
    .summary('per-server stats table with totals')
    .description(
      'A table per server: version, uptime, items, memory used / limit, get hits / misses, hit ratio,\n' +
        'evictions, connections and ops/s (measured over --interval), with a totals row.\n' +
        'With a kind, shows `stats slabs`, `stats items` or `stats settings` instead.\n' +
        "Figures a server does not report show as '-'.",
    )
    .addArgument(new Argument('[kind]', 'slabs, items or settings').choices(STATS_KINDS))
    .option(
      '--interval <ms>',
      'ms between the two samples that give ops/s (0: one sample, no rates)',
      integer(0),
      1000,
    )
    .action(
      act(
        async (
          kind: (typeof STATS_KINDS)[number] | undefined,
          options: { interval: number },
          cmd: Command,
        ) => (kind ? statsKindCommand(ctx(cmd), kind) : statsCommand(ctx(cmd), options)),
      ),
    );

  program
    .command('watch')
    .summary('live stats table with per-second rates')
    .description(
      'Redraws the stats table every --interval with ops/s, gets/s, sets/s, hit ratio and evictions/s.',
    )
    .option('--interval <ms>', 'ms between refreshes', integer(100), 1000)
    .option('--count <n>', 'stop after n refreshes (default: until Ctrl-C)', integer(1))
    .action(
      act(async (options: { interval: number; count?: number }, cmd: Command) =>
        watchCommand(ctx(cmd), options),
      ),
    );

  program
    .command('get')
    .summary('print the values of keys')
    .description('Prints the value of one key (bytes raw), or `key: value` lines for several. Misses exit 1.')
    .argument('<keys...>', 'keys to read')
    .action(act(async (keys: string[], _o: unknown, cmd: Command) => getCommand(ctx(cmd), keys)));

  program
    .command('set')
    .summary('store a value')
    .description('Stores <value> as a string, or standard input as bytes when <value> is left out.')
    .argument('<key>', 'key to write')
    .argument('[value]', 'the value (default: read standard input)')
    .option('--ttl <seconds>', 'time to live in seconds (0: no expiry)', integer(0), 0)
    .action(
      act(async (key: string, value: string | undefined, options: { ttl: number }, cmd: Command) =>
        setCommand(ctx(cmd), key, value, options),
      ),
    );

  program
    .command('delete')
    .alias('del')
    .summary('delete keys')
    .argument('<keys...>', 'keys to delete')
    .description('Deletes keys. Exit 1 when any of them was not there.')
    .action(act(async (keys: string[], _o: unknown, cmd: Command) => deleteCommand(ctx(cmd), keys)));

  program
    .command('touch')
    .summary("set a key's time to live")
    .description('Sets a new time to live without reading the value. Exit 1 when the key is missing.')
    .argument('<key>', 'key to touch')
    .argument('<ttl>', 'new time to live in seconds (0: no expiry)', integer(0))
    .action(
      act(async (key: string, ttl: number, _o: unknown, cmd: Command) => touchCommand(ctx(cmd), key, ttl)),
    );

  for (const op of ['incr', 'decr'] as const) {
    program
      .command(op)
      .summary(op === 'incr' ? 'increment a counter' : 'decrement a counter')
      .description(
        `${op === 'incr' ? 'Adds' : 'Subtracts'} [delta] (default 1) and prints the new value. ` +
          'Exit 1 when the key is missing.',
      )
      .argument('<key>', 'counter key')
      // No commander default: it prints defaults with JSON.stringify, which cannot take a bigint.
      .argument('[delta]', 'amount (default 1)', delta)
      .action(
        act(async (key: string, d: bigint | undefined, _o: unknown, cmd: Command) =>
          arithmeticCommand(ctx(cmd), op, key, d ?? 1n),
        ),
      );
  }

  program
    .command('keys')
    .summary('list keys (lru_crawler metadump)')
    .description(
      'Lists keys of every server via `lru_crawler metadump hash` (`all` before memcached 1.6.9), sorted. An admin walk of the cache.',
    )
    .option('--prefix <p>', 'only keys starting with p')
    .option('--limit <n>', 'at most n keys', integer(1))
    .option('-l, --long', 'table with server, size, expiry and idle time')
    .action(
      act(async (options: { prefix?: string; limit?: number; long?: boolean }, cmd: Command) =>
        keysCommand(ctx(cmd), options),
      ),
    );

  program
    .command('flush')
    .summary('invalidate every item (needs --yes)')
    .description('Runs flush_all on every server. Refuses (exit 2) without --yes.')
    .option('--yes', 'really flush')
    .option('--delay <seconds>', 'flush after this many seconds', integer(0))
    .action(
      act(async (options: { yes?: boolean; delay?: number }, cmd: Command) =>
        flushCommand(ctx(cmd), options),
      ),
    );

  program
    .command('dashboard')
    .summary('serve the live web dashboard')
    .description(
      'Serves per-server charts (ops/s, hit ratio, memory, evictions, connections) and slab tables.',
    )
    .option('-p, --port <port>', 'HTTP port (0: any free port)', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--interval <ms>', 'ms between samples', integer(100), 1000)
    .action(
      act(async (options: { port: number; host: string; interval: number }, cmd: Command) =>
        dashboardCommand(ctx(cmd), options),
      ),
    );

  return program;
}

/**
 * Runs `memkit` with `argv` (as `process.argv`: node, script, args...) and
 * resolves with the exit code. Never rejects and never prints a stack trace
 * for a user error.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.OK;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are commander's way to stop after printing.
      // Commander already printed the message (and usage hint) to stderr.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    io.err(`${formatError(err)}\n`);
    return exitCodeOf(err);
  }
}
