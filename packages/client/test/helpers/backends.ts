/**
 * The servers the client's integration suite runs against: a real memcached
 * (always), and @memkit/server when it is available in the workspace.
 */
import { type MemcachedInstance, type StartMemcachedOptions, startMemcached } from '@memkit/testing';

export interface Backend {
  address: string;
  host: string;
  port: number;
  stop(): Promise<void>;
  instance?: MemcachedInstance;
}

export async function startReal(options: StartMemcachedOptions = {}): Promise<Backend> {
  const instance = await startMemcached(options);
  return {
    address: instance.address,
    host: instance.host,
    port: instance.port,
    stop: () => instance.stop(),
    instance,
  };
}
