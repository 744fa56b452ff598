/**
 * Stops and resumes a test memcached (SIGSTOP / SIGCONT), waiting until the
 * kernel reports the new state: signals are delivered asynchronously.
 */
import { readFile } from 'node:fs/promises';
import type { MemcachedInstance } from '@memkit/testing';

async function waitState(pid: number, stopped: boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Field 3, after the parenthesised command name: T = stopped.
    if (/\) T /.test(stat) === stopped) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`memcached ${pid} did not ${stopped ? 'stop' : 'resume'}`);
}

export async function freeze(instance: MemcachedInstance): Promise<void> {
  instance.kill('SIGSTOP');
  await waitState(instance.pid, true);
}

export function thaw(instance: MemcachedInstance): Promise<void> {
  instance.kill('SIGCONT');
  return waitState(instance.pid, false);
}
