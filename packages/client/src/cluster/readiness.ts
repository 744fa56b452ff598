/**
 * Calls waiting for a cluster's first servers (discovery has not answered
 * yet): each waits within its own timeout and signal, and all are released
 * together when servers arrive or the client closes.
 */
import { MemkitError } from '@memkit/protocol';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Waiters {
  private waiters: Waiter[] = [];

  /** Resolves on `resolveAll`; rejects with `timedOut()` after `timeoutMs`, ERR_ABORTED on `signal`, or on `rejectAll`. */
  wait(timeoutMs: number, signal: AbortSignal | undefined, timedOut: () => MemkitError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (e: Error) => {
          done();
          reject(e);
        },
      };
      const timer = setTimeout(() => waiter.reject(timedOut()), timeoutMs);
      const onAbort = () =>
        waiter.reject(
          new MemkitError('ERR_ABORTED', 'aborted while waiting for servers', { cause: signal?.reason }),
        );
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  resolveAll(): void {
    for (const w of [...this.waiters]) w.resolve();
  }

  rejectAll(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
  }
}
