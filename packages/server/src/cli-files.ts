/**
 * The files `memkit-server` reads: the authfile of `-Y` and the node list of
 * `--cluster-config`, which is watched so that editing it publishes the new
 * list under the next version (also on SIGHUP).
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { MemkitError } from '@memkit/protocol';
import { parseAuthFile } from './auth';
import type { CliFiles } from './cli-args';
import { parseNodeListFile } from './cluster-config';
import type { ServerOptions } from './options';
import type { MemkitServer } from './server';

/** How often the node list file is checked for changes, in ms. */
const WATCH_INTERVAL_MS = 250;

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `cannot read ${what} ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The options the files add (read once, at start). */
export function optionsFromFiles(files: CliFiles): ServerOptions {
  const options: ServerOptions = {};
  if (files.authFile !== undefined) {
    const users = parseAuthFile(read(files.authFile, 'the auth file'));
    options.auth = { users, mode: files.authMode ?? 'memcached' };
  }
  if (files.clusterConfig !== undefined) {
    options.clusterConfig = { nodes: parseNodeListFile(read(files.clusterConfig, 'the cluster config')) };
  }
  return options;
}

/**
 * Re-reads `file` when it changes (and on SIGHUP) and publishes its nodes
 * when they differ from what is published. A file that does not parse is
 * logged and ignored: the last good list stays. Returns the stop function.
 */
export function watchClusterConfig(
  file: string,
  server: MemkitServer,
  log: (line: string) => void,
): () => void {
  const reload = () => {
    try {
      const nodes = parseNodeListFile(read(file, 'the cluster config'));
      const now = JSON.stringify(server.clusterConfig()?.nodes);
      if (now === JSON.stringify(nodes)) return;
      const published = server.setClusterNodes(nodes);
      log(`cluster config: version ${published.version}, ${published.nodes.length} nodes`);
    } catch (err) {
      log(`cluster config: keeping the published list: ${(err as Error).message}`);
    }
  };
  watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, reload);
  process.on('SIGHUP', reload);
  return () => {
    unwatchFile(file, reload);
    process.off('SIGHUP', reload);
  };
}
