import { generateTlsMaterial, type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { answerOf } from './helpers/server-results';

describe('TLS (memcached -Z)', () => {
  let server: MemcachedInstance;

  beforeAll(async () => {
    server = await startMemcached({ tls: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('works with the right CA and servername', async () => {
    const tls = server.tls!;
    const client = new Client({ servers: [server.address], tls: { ca: tls.ca, servername: tls.servername } });
    try {
      await client.set('tls-key', 'secret');
      expect(await client.get('tls-key')).toBe('secret');
    } finally {
      await client.close();
    }
  });

  it('verifies certificates by default: no CA → ERR_TLS', async () => {
    const client = new Client({ servers: [server.address], tls: true });
    try {
      await expect(client.get('x')).rejects.toMatchObject({ code: 'ERR_TLS' });
    } finally {
      await client.close();
    }
  });

  it('rejects a certificate signed by another CA', async () => {
    const other = await generateTlsMaterial();
    const client = new Client({ servers: [server.address], tls: { ca: other.ca, servername: 'localhost' } });
    try {
      await expect(client.get('x')).rejects.toMatchObject({ code: 'ERR_TLS' });
    } finally {
      await client.close();
    }
  });

  it('rejects a wrong servername', async () => {
    const client = new Client({
      servers: [server.address],
      tls: { ca: server.tls!.ca, servername: 'not-the-server.example' },
    });
    try {
      await expect(client.get('x')).rejects.toMatchObject({ code: 'ERR_TLS' });
    } finally {
      await client.close();
    }
  });

  it('rejectUnauthorized: false connects without a CA (opt-out)', async () => {
    const client = new Client({ servers: [server.address], tls: { rejectUnauthorized: false } });
    try {
      expect(await client.set('insecure', 1)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('ASCII auth (memcached -Y)', () => {
  let server: MemcachedInstance;
  const auth = { username: 'memkit', password: 's3cret-pass' };

  beforeAll(async () => {
    server = await startMemcached({ auth });
  });
  afterAll(async () => {
    await server.stop();
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`right password works (${protocol})`, async () => {
      const client = new Client({ servers: [server.address], auth, protocol });
      try {
        await client.set('a', 'authed');
        expect(await client.get('a')).toBe('authed');
      } finally {
        await client.close();
      }
    });
  }

  it('wrong password → ERR_AUTH without the password in the message, and no retry storm', async () => {
    const client = new Client({
      servers: [server.address],
      auth: { username: 'memkit', password: 'wrong-pass-xyz' },
      reconnectMaxDelay: 5000,
    });
    try {
      const err = await client.get('a').catch((e: Error & { code: string }) => e);
      expect((err as { code: string }).code).toBe('ERR_AUTH');
      expect(String((err as Error).message)).not.toContain('wrong-pass-xyz');
      // Further calls fail fast from backoff instead of reconnecting each time.
      const before = Number((await statsOf(server)).total_connections);
      for (let i = 0; i < 20; i++) {
        await expect(client.get('a')).rejects.toMatchObject({ code: 'ERR_AUTH' });
      }
      const after = Number((await statsOf(server)).total_connections);
      expect(after - before).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it('no credentials → ERR_AUTH naming the fix', async () => {
    const client = new Client({ servers: [server.address] });
    try {
      await expect(client.get('a')).rejects.toMatchObject({
        code: 'ERR_AUTH',
        message: /requires authentication/,
      });
    } finally {
      await client.close();
    }
  });
});

describe('unix socket', () => {
  it('connects through a socket path', async () => {
    const server = await startMemcached({ socketPath: true });
    const client = new Client({ servers: [server.socketPath!] });
    try {
      await client.set('u', 'unix');
      expect(await client.get('u')).toBe('unix');
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

async function statsOf(server: MemcachedInstance): Promise<Record<string, string>> {
  const client = new Client({
    servers: [server.address],
    auth: { username: 'memkit', password: 's3cret-pass' },
  });
  try {
    return answerOf(await client.stats(), server.address);
  } finally {
    await client.close();
  }
}
