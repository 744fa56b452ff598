/**
 * Shared pieces of the resilience scenarios: real memcached clusters,
 * a freeze that waits for the kernel, writes retried until they succeed,
 * and the counts every scenario reports (wrong values, stale reads, rejected
 * calls by code, calls over their deadline, hit ratio).
 */
import type { MemcachedInstance } from '@memkit/testing';
import type { Client, MemkitError } from '../../src/index';

export { freeze } from '../helpers/backends';

/** Resolves with the first `event` the client emits whose first argument is `address`, or rejects after `ms`. */
export function nextEvent(client: Client, event: string, address: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      client.off(event, on);
      reject(new Error(`no ${event} for ${address} within ${ms} ms`));
    }, ms);
    const on = (a: string) => {
      if (a !== address) return;
      clearTimeout(t);
      client.off(event, on);
      resolve();
    };
    client.on(event, on);
  });
}

/** Sets `key` to `value`, retrying failed attempts (each within the client's timeout) until it is stored. */
export async function setUntilStored(
  client: Client,
  key: string,
  value: string,
  ttl?: number,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (await client.set(key, value, ttl === undefined ? undefined : { ttl })) return attempt;
    } catch {
      // A timeout or a dead server: try again, as an application retrying its write would.
    }
    if (attempt > 200) throw new Error(`set ${key} never succeeded`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a scenario observed. */
export class Tally {
  wrong = 0;
  stale = 0;
  hits = 0;
  misses = 0;
  late = 0;
  slowest = 0;
  readonly rejected: Record<string, number> = {};
  /** How long each call took, ms, in call order. */
  readonly took: number[] = [];

  constructor(private readonly deadlineMs: number) {}

  /** Times `call`; a rejection is counted by code instead of thrown. */
  async time<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    const start = performance.now();
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      const code = (err as MemkitError).code ?? String(err);
      this.rejected[code] = (this.rejected[code] ?? 0) + 1;
      return { ok: false };
    } finally {
      const took = performance.now() - start;
      this.took.push(took);
      this.slowest = Math.max(this.slowest, took);
      if (took > this.deadlineMs) this.late++;
    }
  }

  /** A read of `key` that saw `value`: a hit of the expected value, a stale one, or a wrong one. */
  read(value: unknown, expected: string, staleValues: readonly string[] = []): void {
    if (value === undefined) this.misses++;
    else if (value === expected) this.hits++;
    else if (staleValues.includes(value as string)) this.stale++;
    else this.wrong++;
  }

  get hitRatio(): number {
    const reads = this.hits + this.misses + this.stale + this.wrong;
    return reads === 0 ? 0 : this.hits / reads;
  }

  get rejections(): number {
    return Object.values(this.rejected).reduce((a, b) => a + b, 0);
  }
}

/** The addresses of `servers`. */
export function addresses(servers: readonly MemcachedInstance[]): string[] {
  return servers.map((s) => s.address);
}
