/**
 * Every memcached this process started and has not seen exit, plus their scratch directories.
 * A process 'exit' hook SIGKILLs the survivors and removes the directories, so a crashed or
 * forgetful test run leaves no memcached behind.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Something the registry can stop: a started memcached. */
export interface Stoppable {
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const instances = new Set<Stoppable>();
let hooked = false;

function onExit(): void {
  for (const child of children) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', onExit);
}

/** Tracks a running child until it exits. */
export function trackChild(child: ChildProcess): void {
  hook();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Tracks a scratch directory until {@link untrackDir}. */
export function trackDir(dir: string): void {
  hook();
  dirs.add(dir);
}

/** Forgets a scratch directory (it was removed). */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

/** Tracks a started instance until it is stopped. */
export function trackInstance(instance: Stoppable): void {
  instances.add(instance);
}

/** Forgets a stopped instance. */
export function untrackInstance(instance: Stoppable): void {
  instances.delete(instance);
}

/** Instances started and not yet stopped. */
export function liveInstances(): Stoppable[] {
  return [...instances];
}
