/**
 * One `abort` listener per AbortSignal, however many commands wait on it.
 * A caller may pass one signal to thousands of pipelined commands (a
 * request's signal to every cache call it makes); a listener per command
 * would trip Node's MaxListenersExceededWarning at 11 and cost an
 * EventTarget registration each. Here a signal gets one shared listener the
 * first time a command watches it, which calls every watcher when it fires,
 * and is removed when the last watcher leaves.
 */

type Watcher = () => void;

const watchers = new WeakMap<AbortSignal, Set<Watcher>>();

/** The one listener every watched signal carries (one function, so a signal never gets it twice). */
function fire(event: Event): void {
  const signal = event.target as AbortSignal;
  const set = watchers.get(signal);
  if (!set) return;
  watchers.delete(signal);
  for (const watcher of set) watcher();
}

/** Calls `watcher` once when `signal` aborts (the caller checks `signal.aborted` first). */
export function watchAbort(signal: AbortSignal, watcher: Watcher): void {
  let set = watchers.get(signal);
  if (!set) {
    set = new Set();
    watchers.set(signal, set);
    signal.addEventListener('abort', fire, { once: true });
  }
  set.add(watcher);
}

/** Stops watching; the signal loses its listener with its last watcher. */
export function unwatchAbort(signal: AbortSignal, watcher: Watcher): void {
  const set = watchers.get(signal);
  if (!set?.delete(watcher) || set.size > 0) return;
  watchers.delete(signal);
  signal.removeEventListener('abort', fire);
}
