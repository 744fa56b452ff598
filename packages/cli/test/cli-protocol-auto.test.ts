/**
 * `memkit --protocol auto`: the protocol of each server is learned, so the
 * same command line works against a server without the meta protocol
 * (memkit-server `meta: false`), where the default `meta` is refused.
 */
import { type MemkitServer, startServer } from '@memkit/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memkit } from './helpers/cli';

let legacy: MemkitServer;
beforeAll(async () => {
  legacy = await startServer({ meta: false });
});
afterAll(() => legacy.close());

it('set and get work against a server without meta with --protocol auto, and fail with the default', async () => {
  const run = (args: string[]) => memkit(args, { servers: legacy.address });
  expect(await run(['--protocol', 'auto', 'set', 'k', 'hello'])).toMatchObject({ code: 0, stderr: '' });
  expect(await run(['--protocol', 'auto', 'get', 'k'])).toMatchObject({ code: 0, stdout: 'hello\n' });
  const refused = await run(['get', 'k']);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/meta protocol/);
});
