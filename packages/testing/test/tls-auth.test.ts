import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRaw,
  generateTlsMaterial,
  type MemcachedInstance,
  rawCommand,
  readReplies,
  startMemcached,
  startMemcachedCluster,
  stopAll,
  type TlsMaterial,
} from '../src/index';
import { capture, openSocket } from './helpers';

function tlsOpen(mc: MemcachedInstance, options: { ca?: string; servername?: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: mc.host, port: mc.port, ...options });
    socket.once('error', reject);
    socket.once('secureConnect', () => resolve(socket));
  });
}

describe('TLS', () => {
  let mc: MemcachedInstance;
  let other: TlsMaterial;

  beforeAll(async () => {
    [mc, other] = await Promise.all([startMemcached({ tls: true }), generateTlsMaterial()]);
  });
  afterAll(() => mc?.stop());

  it('starts with -Z and a generated cert that tls.connect with the CA accepts', async () => {
    expect(mc.args).toContain('-Z');
    expect(mc.tls?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(mc.tls?.key).toMatch(/PRIVATE KEY/);
    expect(mc.tls?.servername).toBe('localhost');
    const socket = await tlsOpen(mc, { ca: mc.tls!.ca, servername: 'localhost' });
    try {
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerCertificate().subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1');
      const reply = readReplies(socket);
      socket.write('version\r\n');
      expect(await reply).toMatch(/^VERSION 1\.6\.\d+\r\n$/);
    } finally {
      socket.destroy();
    }
  });

  it('the rawCommand helper speaks TLS too', async () => {
    expect(await rawCommand(mc, 'set t 0 0 3\r\ntls\r\n')).toBe('STORED\r\n');
    expect(await rawCommand(mc, 'get t\r\n')).toBe('VALUE t 0 3\r\ntls\r\nEND\r\n');
  });

  it('rejects the handshake without the CA, with another CA, or for another name', async () => {
    await expect(tlsOpen(mc, { servername: 'localhost' })).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/),
    });
    await expect(tlsOpen(mc, { ca: other.ca, servername: 'localhost' })).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/),
    });
    await expect(tlsOpen(mc, { ca: mc.tls!.ca, servername: 'memcached.invalid' })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    await expect(connectRaw(mc, { tlsOptions: { ca: other.ca } })).rejects.toMatchObject({ code: 'ERR_TLS' });
  });

  it('a plaintext client gets no memcached reply from a TLS port, only a close', async () => {
    const socket = await openSocket(mc.port);
    const seen = capture(socket);
    socket.write('version\r\n');
    await seen.whenClosed;
    expect(seen.text).not.toMatch(/VERSION/);
  });

  it('generateTlsMaterial makes certs for other names, and a cluster shares one CA', async () => {
    expect(other.ca).not.toBe(mc.tls!.ca);
    const named = await generateTlsMaterial({ servername: 'cache.test' });
    expect(named.servername).toBe('cache.test');
    const cluster = await startMemcachedCluster(2, { tls: { material: named } });
    try {
      for (const m of cluster) {
        expect(m.tls?.ca).toBe(named.ca);
        const socket = await tlsOpen(m, { ca: named.ca, servername: 'cache.test' });
        socket.destroy();
      }
    } finally {
      await stopAll(cluster);
    }
  });
});

describe('auth', () => {
  const auth = { username: 'memkit', password: 's3cret' };
  let mc: MemcachedInstance;

  beforeAll(async () => {
    mc = await startMemcached({ auth });
  });
  afterAll(() => mc?.stop());

  it('passes -Y with an authfile and accepts the right password', async () => {
    expect(mc.args).toContain('-Y');
    expect(mc.auth).toEqual(auth);
    const socket = await openSocket(mc.port);
    try {
      const token = `${auth.username} ${auth.password}`;
      let reply = readReplies(socket);
      socket.write(`set anything 0 0 ${token.length}\r\n${token}\r\n`);
      expect(await reply).toBe('STORED\r\n');
      reply = readReplies(socket, 2);
      socket.write('set a 0 0 1\r\n1\r\nget a\r\n');
      expect(await reply).toBe('STORED\r\nVALUE a 0 1\r\n1\r\nEND\r\n');
    } finally {
      socket.destroy();
    }
    // The helpers authenticate on their own.
    expect(await rawCommand(mc, 'get a\r\n')).toBe('VALUE a 0 1\r\n1\r\nEND\r\n');
  });

  it('refuses commands before auth and a wrong password', async () => {
    expect(await rawCommand(mc, 'get a\r\n', { authenticate: false })).toBe(
      'CLIENT_ERROR unauthenticated\r\n',
    );
    await expect(connectRaw(mc, { auth: { username: 'memkit', password: 'wrong' } })).rejects.toMatchObject({
      code: 'ERR_AUTH',
      message: expect.stringMatching(/CLIENT_ERROR authentication failure/),
    });
  });

  it('keeps the credentials across restart', async () => {
    await mc.restart();
    expect(await rawCommand(mc, 'version\r\n')).toMatch(/^VERSION /);
    expect(await rawCommand(mc, 'version\r\n', { authenticate: false })).toBe(
      'CLIENT_ERROR unauthenticated\r\n',
    );
  });
});
