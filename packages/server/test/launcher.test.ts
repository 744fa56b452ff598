/**
 * The npm launcher watch (src/launcher.ts): the launcher is looked up once, when the process
 * starts, and a launcher that is already gone by the time the watch begins (npx told to stop
 * right after the server said it was listening) still stops the server, at the first poll.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchNpmLauncher } from '../src/launcher';

describe('watchNpmLauncher', () => {
  it('calls onGone for a launcher that exited before the watch began', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await once(child, 'exit');
    let gone = 0;
    const stopped = new Promise<void>((resolve) => {
      watchNpmLauncher(() => {
        gone++;
        resolve();
      }, pid);
    });
    await stopped;
    expect(gone).toBe(1);
  });

  it('keeps watching a launcher that is alive, and stops watching on request', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    let gone = 0;
    const unwatch = watchNpmLauncher(() => gone++, child.pid!);
    // Two polls (500 ms each) see it alive.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(gone).toBe(0);
    unwatch();
    child.kill();
    await once(child, 'exit');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(gone).toBe(0);
  });
});
