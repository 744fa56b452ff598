/**
 * What a client leaves behind, seen by the resources themselves: every timer
 * and socket created by the client's own code (its source files are on the
 * creation stack) is recorded through async_hooks and forgotten when Node
 * destroys it. Unlike a process-wide handle count, other work in the process
 * (the test runner's timers, other tests' sockets) cannot move it.
 */
import { createHook } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));
const TRACKED = new Set(['Timeout', 'TCPWRAP', 'TLSWRAP', 'PIPEWRAP']);

export interface ResourceTracker {
  /**
   * The client-created resources not destroyed yet, by type (e.g. `['Timeout', 'TCPWRAP']`).
   * Collects garbage first: Node reports a TLS socket's wrap (TLSWRAP) destroyed only once the
   * garbage collector frees it, so without a collection a closed TLS socket could look alive (or
   * not) depending on when the collector last ran. A socket the client still holds is not freed.
   */
  alive(): string[];
  /** How many client-created resources of `type` were created so far. */
  created(type: string): number;
  stop(): void;
}

/** Starts recording; call before creating the client. */
export function trackClientResources(): ResourceTracker {
  const alive = new Map<number, string>();
  const counts = new Map<string, number>();
  const hook = createHook({
    init(id, type) {
      if (!TRACKED.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (!stack.includes(SOURCE)) return;
      alive.set(id, type);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
    destroy(id) {
      alive.delete(id);
    },
  });
  hook.enable();
  return {
    alive: () => {
      gc();
      return [...alive.values()].sort();
    },
    created: (type) => counts.get(type) ?? 0,
    stop: () => hook.disable(),
  };
}
