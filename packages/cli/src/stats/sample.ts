/**
 * Taking one stats sample of every server. Each server is asked on its own
 * client, so a server that is down becomes an error entry in the sample
 * instead of a rejected promise for the whole pool.
 */
import { type Client, isMemkitError } from '@memkit/client';

/** What one server answered to `stats [arg]`, or why it did not. */
export interface ServerSample {
  /** The server address as configured. */
  server: string;
  /** The `STAT name value` pairs, when the server answered. */
  stats?: Record<string, string>;
  /** Why the server did not answer (one line), when it did not. */
  error?: string;
  /** The `MemkitError` code of that failure. */
  errorCode?: string;
}

/** One sample of the whole pool. */
export interface Sample {
  /** Wall-clock time of the sample (ms since the epoch), for charts. */
  at: number;
  /** Monotonic time of the sample (ms, `performance.now()`), for rates. */
  mono: number;
  /** One entry per server, in configuration order. */
  servers: ServerSample[];
}

async function sampleOne(server: string, client: Client, arg: string | undefined): Promise<ServerSample> {
  try {
    const byAddress = await client.stats(arg);
    // A one-server client answers with exactly one entry, keyed by its parsed address.
    const stats = Object.values(byAddress)[0] ?? {};
    return { server, stats };
  } catch (err) {
    if (!isMemkitError(err)) throw err;
    // The table already names the server; keep the reason only.
    const error = err.message.startsWith(`${server}: `) ? err.message.slice(server.length + 2) : err.message;
    return { server, error, errorCode: err.code };
  }
}

/** `stats [arg]` on every server in parallel. Never rejects for a server failure. */
export async function takeSample(clients: ReadonlyMap<string, Client>, arg?: string): Promise<Sample> {
  const at = Date.now();
  const mono = performance.now();
  const servers = await Promise.all([...clients].map(([server, client]) => sampleOne(server, client, arg)));
  return { at, mono, servers };
}
