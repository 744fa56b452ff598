/**
 * Waiting for a condition instead of sleeping for a guessed time: polls
 * `check` until it holds, and fails with `what` if it never does within
 * `timeoutMs` (generous by default, so a loaded machine only makes the test
 * slower, never red).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const giveUp = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > giveUp) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
