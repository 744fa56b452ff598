#!/usr/bin/env node
/**
 * The `memkit-server` executable: parses memcached-style flags, starts the
 * server, and shuts it down cleanly on SIGINT/SIGTERM, or when the `npx`
 * that started it exits (see launcher.ts).
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseCli, USAGE } from './cli-args';
import { findNpmLauncher, watchNpmLauncher } from './launcher';
import { MEMCACHED_VERSION } from './version';

/** The package's own version, from the package.json beside dist/ (and beside src/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

// Looked up before anything else: once the server says it is listening, npx may be told to stop
// at any moment, and a launcher that is already gone can no longer be found among the ancestors
// (the server would be reparented and keep the port).
const npmLauncher = findNpmLauncher();

async function main(): Promise<number> {
  const command = parseCli(process.argv.slice(2));
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`memkit-server ${packageVersion()} (speaks memcached ${MEMCACHED_VERSION})\n`);
      return 0;
    case 'error':
      process.stderr.write(`memkit-server: ${command.message}\n\n${USAGE}`);
      return 64;
    case 'run':
      break;
  }
  // Loaded only to run, so --help and --version work even without the protocol package built.
  const { startServer } = await import('./server');
  const { optionsFromFiles, watchClusterConfig } = await import('./cli-files');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Like memcached, a client's `verbosity` command can turn logging on even without -v.
  const server = await startServer({ logger: log, ...command.options, ...optionsFromFiles(command.files) });
  const file = command.files.clusterConfig;
  const unwatch = file === undefined ? () => {} : watchClusterConfig(file, server, log);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    unwatch();
    // A client that never lets go must not keep the port: exit anyway after a grace period.
    setTimeout(() => process.exit(0), 5000).unref();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  watchNpmLauncher(stop, npmLauncher);
  return -1;
}

main().then(
  (code) => {
    // exitCode rather than exit(): lets a piped stdout finish writing the help text.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`memkit-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
