/**
 * Test helper: memkit servers that log nothing and are closed after each test.
 */
import { afterEach } from 'vitest';
import { type MemkitServer, type ServerOptions, startServer } from '../../src/index';

/**
 * Returns a `start(options)` for this test file: each server it starts (logging nothing unless
 * `options.logger` says otherwise) is closed after the test that started it. Call it at the top
 * level of the file, before registering hooks that must run first after each test (after-hooks
 * run in reverse order of registration).
 */
export function serverStarter(): (options?: ServerOptions) => Promise<MemkitServer> {
  const servers: MemkitServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const server = await startServer({ logger: () => {}, ...options });
    servers.push(server);
    return server;
  };
}
