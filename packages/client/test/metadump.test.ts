import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKENDS, type Backend } from './helpers/backends';
import { answerOf } from './helpers/server-results';

describe.each(BACKENDS)('metadump ($name)', (backend) => {
  let server: Backend;
  let client: Client;
  beforeAll(async () => {
    server = await backend.start();
    client = new Client({ servers: [server.address] });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('lists keys even while other commands are pipelined on the same client', async () => {
    await client.setMulti(Array.from({ length: 50 }, (_, i) => [`md:${i}`, i] as const));
    // memcached refuses metadump on a connection that carries other commands:
    // the client must walk on a connection of its own.
    const [dump, ...gets] = await Promise.all([
      client.metadump(),
      ...Array.from({ length: 20 }, (_, i) => client.get(`md:${i}`)),
    ]);
    expect(gets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const keys = new Set(answerOf(dump, server.address).map((r) => r.key));
    for (let i = 0; i < 50; i++) expect(keys.has(`md:${i}`)).toBe(true);
    // And the regular connection still works afterwards.
    expect(await client.get('md:7')).toBe(7);
  });
});
