/**
 * Clients a test opens, closed after each test, so a failing test cannot
 * leave sockets (and reconnect timers) behind for the next one.
 */
import { afterEach } from 'vitest';
import { Client, type ClientOptions } from '../../src/index';

/** Registers the `afterEach` that closes them; returns how to open one. */
export function useClients(): (options: ClientOptions) => Client {
  const open: Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return (options) => {
    const c = new Client(options);
    open.push(c);
    return c;
  };
}
