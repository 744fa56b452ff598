/**
 * Taking one stats sample of every server, through one client: its
 * per-server results make a server that is down an error entry of the
 * sample, never a rejection for the whole pool.
 */
import type { Client, ServerResult } from '@memkit/client';

/** What one server answered to `stats [arg]`, or why it did not. */
export interface ServerSample {
  /** The server address (as the client names it, `host:port`). */
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

/** One server's entry of a sample. */
export function serverSample(r: ServerResult<Record<string, string>>): ServerSample {
  if (r.ok) return { server: r.server, stats: r.value };
  // The table already names the server; keep the reason only.
  const message = r.error.message;
  const error = message.startsWith(`${r.server}: `) ? message.slice(r.server.length + 2) : message;
  return { server: r.server, error, errorCode: r.error.code };
}

/** `stats [arg]` on every server of `client`, in parallel. Never rejects for a server failure. */
export async function takeSample(client: Client, arg?: string): Promise<Sample> {
  const at = Date.now();
  const mono = performance.now();
  const servers = (await client.stats(arg)).map(serverSample);
  return { at, mono, servers };
}
