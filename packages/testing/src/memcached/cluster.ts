/**
 * Several test memcacheds at once, and stopping them together. Servers of one cluster share a
 * TLS CA (so one `ca` trusts them all) but get their own ports, sockets and scratch dirs.
 */
import { MemkitError } from '@memkit/protocol';
import { generateTlsMaterial } from '../tls';
import { type MemcachedInstance, type StartMemcachedOptions, startMemcached } from './instance';
import { liveInstances } from './registry';

/**
 * Starts `count` memcacheds in parallel with the same options. If any fails, the others are
 * stopped and the first error is thrown.
 */
export async function startMemcachedCluster(
  count: number,
  options: StartMemcachedOptions = {},
): Promise<MemcachedInstance[]> {
  if (!Number.isInteger(count) || count < 1) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `startMemcachedCluster: count must be >= 1, got ${count}`);
  }
  if (count > 1 && (options.port !== undefined || typeof options.socketPath === 'string')) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      'startMemcachedCluster: a fixed port or socket path cannot be shared by several servers',
    );
  }
  let shared = options;
  if (options.tls === true || (typeof options.tls === 'object' && !options.tls.material)) {
    shared = { ...options, tls: { material: await generateTlsMaterial() } };
  }
  const results = await Promise.allSettled(Array.from({ length: count }, () => startMemcached(shared)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(started);
    throw failed.reason;
  }
  return started;
}

/**
 * Stops the given instances, or every instance started in this process and not yet stopped.
 */
export async function stopAll(instances?: Iterable<MemcachedInstance>): Promise<void> {
  const targets = instances ? [...instances] : liveInstances();
  await Promise.all(targets.map((instance) => instance.stop()));
}
