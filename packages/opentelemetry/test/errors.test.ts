import { Client } from '@memkit/client';
import { getFreePort, type MemcachedInstance, startMemcached } from '@memkit/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Otel, points, setupOtel } from './helpers/otel';
import { freeze, thaw } from './helpers/signals';

let otel: Otel;
beforeAll(() => {
  otel = setupOtel();
});
afterAll(() => otel.shutdown());
beforeEach(() => otel.spans.reset());

describe('failed calls: status ERROR and error.type = the MemkitError code, on spans and the duration histogram', () => {
  let server: MemcachedInstance;
  beforeAll(async () => {
    server = await startMemcached();
  });
  afterAll(() => server.stop());

  it('a timeout (server stopped with SIGSTOP) is ERR_TIMEOUT', async () => {
    const client = new Client({ servers: [server.address], timeout: 300 });
    try {
      await client.set('t', 'v');
      await freeze(server);
      try {
        await expect(client.get('t')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      } finally {
        await thaw(server);
      }
      const span = otel.finished().find((s) => s.name === 'get')!;
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('ERR_TIMEOUT');
      expect(span.attributes['server.port']).toBe(server.port);
      const failed = points((await otel.metrics()).get('db.client.operation.duration'), {
        'db.operation.name': 'get',
        'error.type': 'ERR_TIMEOUT',
      });
      expect(failed.length).toBe(1);
      expect(failed[0]!.attributes['server.port']).toBe(server.port);
    } finally {
      await client.close();
    }
  });

  it('connection refused is ERR_CONNECT', async () => {
    const port = await getFreePort();
    const client = new Client({ servers: [`127.0.0.1:${port}`], connectTimeout: 1000 });
    try {
      await expect(client.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
      const span = otel.finished().find((s) => s.name === 'set')!;
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('ERR_CONNECT');
      expect(span.attributes['server.address']).toBe('127.0.0.1');
      expect(span.attributes['server.port']).toBe(port);
      expect(span.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toMatch(
        /ECONNREFUSED|refused/i,
      );
    } finally {
      await client.close();
    }
  });

  it('a closed client is ERR_CLIENT_CLOSED', async () => {
    const client = new Client({ servers: [server.address] });
    await client.close();
    await expect(client.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await expect(client.get('k')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(otel.finished().map((s) => [s.name, s.attributes['error.type']])).toEqual([
      ['set', 'ERR_CLIENT_CLOSED'],
      ['get', 'ERR_CLIENT_CLOSED'],
    ]);
  });
});
