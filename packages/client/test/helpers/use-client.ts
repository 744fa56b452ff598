/**
 * The setup most integration files share: a backend started for the
 * describe block (optionally behind a recording proxy, to check the bytes
 * sent), a client on it, and a flush before each test.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Client, type ClientOptions } from '../../src/index';
import type { Backend } from './backends';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy';

export interface ClientFixture {
  server: Backend;
  /** Set when started with `record`. */
  proxy: RecordingProxy;
  client: Client;
}

/** Registers the hooks; the fixture's fields are set once `beforeAll` ran. */
export function useClient(
  start: () => Promise<Backend>,
  options: Omit<ClientOptions, 'servers'> = {},
  { record = false } = {},
): ClientFixture {
  const f = {} as ClientFixture;
  beforeAll(async () => {
    f.server = await start();
    if (record) f.proxy = await startRecordingProxy(f.server);
    f.client = new Client({ ...options, servers: [(record ? f.proxy : f.server).address] });
  });
  afterAll(async () => {
    await f.client?.close();
    await f.proxy?.close();
    await f.server?.stop();
  });
  beforeEach(() => f.client.flushAll());
  return f;
}
