import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrng,
  type FaultProxy,
  getFreePort,
  type MemcachedInstance,
  rawCommand,
  readReplies,
  startFaultProxy,
  startMemcached,
} from '../src/index';
import { capture, openSocket, waitFor } from './helpers';

let mc: MemcachedInstance;
const proxies: FaultProxy[] = [];
const BIG = 'x'.repeat(1000);
const BIG_REPLY = `VALUE big 0 1000\r\n${BIG}\r\nEND\r\n`;

async function proxy(faults?: Parameters<FaultProxy['set']>[0]): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: mc, ...(faults ? { faults } : {}) });
  proxies.push(p);
  return p;
}

beforeAll(async () => {
  mc = await startMemcached();
  expect(await rawCommand(mc, `set big 0 0 1000\r\n${BIG}\r\n`)).toBe('STORED\r\n');
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(() => mc?.stop());

describe('FaultProxy without faults', () => {
  it('forwards both ways byte for byte and counts bytes and connections', async () => {
    const p = await proxy();
    expect(p.address).toBe(`127.0.0.1:${p.port}`);
    const socket = await openSocket(p.port);
    expect(await waitFor(() => p.connections === 1)).toBe(true);
    const reply = readReplies(socket, 2);
    socket.write('set p 1 0 2\r\nok\r\nget p\r\n');
    expect(await reply).toBe('STORED\r\nVALUE p 1 2\r\nok\r\nEND\r\n');
    expect(p.stats.bytesClientToServer).toBe('set p 1 0 2\r\nok\r\nget p\r\n'.length);
    expect(p.stats.bytesServerToClient).toBe('STORED\r\nVALUE p 1 2\r\nok\r\nEND\r\n'.length);
    expect(p.stats.connectionsAccepted).toBe(1);
    socket.end();
    expect(await waitFor(() => p.connections === 0)).toBe(true);
  });

  it('carries a large value intact through latency and backpressure', async () => {
    const value = Buffer.alloc(600_000);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) % 251;
    const direct = await rawCommand(
      mc,
      Buffer.concat([Buffer.from('set huge 0 0 600000\r\n'), value, Buffer.from('\r\n')]),
    );
    expect(direct).toBe('STORED\r\n');
    const p = await proxy({ latencyMs: 2 });
    const socket = await openSocket(p.port);
    const reply = readReplies(socket, 1, 2000);
    socket.write('get huge\r\n');
    const text = await reply;
    socket.destroy();
    expect(
      Buffer.from(text, 'latin1').equals(
        Buffer.concat([Buffer.from('VALUE huge 0 600000\r\n'), value, Buffer.from('\r\nEND\r\n')]),
      ),
    ).toBe(true);
  });

  it('closes the client when the target is not listening', async () => {
    const p = await startFaultProxy({ target: { host: '127.0.0.1', port: await getFreePort() } });
    proxies.push(p);
    const seen = capture(await openSocket(p.port));
    await seen.whenClosed;
    expect(seen.bytes.length).toBe(0);
    expect(p.connections).toBe(0);
  });
});

describe('FaultProxy faults', () => {
  it('latencyMs delays each direction and keeps pipelined replies in order', async () => {
    const p = await proxy({ latencyMs: 100 });
    const socket = await openSocket(p.port);
    const began = performance.now();
    const reply = readReplies(socket, 3, 1000);
    socket.write('set l 0 0 1\r\n1\r\n');
    socket.write('get l\r\n');
    socket.write('version\r\n');
    const text = await reply;
    const elapsed = performance.now() - began;
    socket.destroy();
    expect(text).toMatch(/^STORED\r\nVALUE l 0 1\r\n1\r\nEND\r\nVERSION \S+\r\n$/);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(p.stats.faults.latency).toBeGreaterThanOrEqual(2);
  });

  it('stall holds server→client bytes with the socket open until unset', async () => {
    const p = await proxy({ stall: true });
    const socket = await openSocket(p.port);
    const seen = capture(socket);
    socket.write('version\r\n');
    await new Promise((r) => setTimeout(r, 250));
    expect(seen.bytes.length).toBe(0);
    expect(seen.closed).toBe(false);
    expect(p.stats.bytesClientToServer).toBe(9);
    expect(p.stats.faults.stall).toBeGreaterThanOrEqual(1);
    await p.set({ stall: false });
    expect(await waitFor(() => seen.text.startsWith('VERSION '))).toBe(true);
    socket.destroy();
  });

  it('dropNewConnections accepts then destroys new connections, until reset', async () => {
    const p = await proxy();
    const kept = await openSocket(p.port);
    await p.set({ dropNewConnections: true });
    const seen = capture(await openSocket(p.port));
    await seen.whenClosed;
    expect(seen.bytes.length).toBe(0);
    expect(p.stats.faults.drop).toBe(1);
    // Existing connections are untouched.
    const reply = readReplies(kept);
    kept.write('version\r\n');
    expect(await reply).toMatch(/^VERSION /);
    kept.destroy();
    await p.reset();
    expect(await rawCommand(p, 'version\r\n')).toMatch(/^VERSION /);
  });

  it('cutAfterBytes closes the connection in the middle of a reply', async () => {
    const p = await proxy();
    const socket = await openSocket(p.port);
    const seen = capture(socket);
    socket.write('version\r\n');
    expect(await waitFor(() => seen.text.endsWith('\r\n'))).toBe(true);
    const before = seen.bytes.length;
    await p.set({ cutAfterBytes: 100 });
    socket.write('get big\r\n');
    await seen.whenClosed;
    expect(seen.bytes.length - before).toBe(100);
    expect(seen.text.slice(before)).toBe(BIG_REPLY.slice(0, 100));
    expect(p.stats.faults.cut).toBe(1);
  });

  it('cutAfterBytes applies to new connections from their first byte', async () => {
    const p = await proxy({ cutAfterBytes: 25 });
    const socket = await openSocket(p.port);
    const seen = capture(socket);
    socket.write('get big\r\n');
    await seen.whenClosed;
    expect(seen.text).toBe(BIG_REPLY.slice(0, 25));
    expect(seen.ended).toBe(true);
  });

  it('resetConnections destroys every connection with an RST (ECONNRESET)', async () => {
    const p = await proxy();
    const a = capture(await openSocket(p.port));
    const b = capture(await openSocket(p.port));
    expect(await waitFor(() => p.connections === 2)).toBe(true);
    expect(p.resetConnections()).toBe(2);
    await Promise.all([a.whenClosed, b.whenClosed]);
    expect(a.error?.code).toBe('ECONNRESET');
    expect(b.error?.code).toBe('ECONNRESET');
    expect(p.connections).toBe(0);
    expect(p.stats.faults.reset).toBe(2);
  });

  it('garbage injects bytes that memcached never sent, at seeded offsets', async () => {
    const offsets: number[] = [];
    for (let run = 0; run < 2; run++) {
      const p = await proxy({ garbageProbability: 1, garbage: '#JUNK#', seed: 42 });
      const socket = await openSocket(p.port);
      const reply = readReplies(socket, 1, 300);
      socket.write('get big\r\n');
      const text = await reply;
      socket.destroy();
      expect(text).toContain('#JUNK#');
      expect(text.replace('#JUNK#', '')).toBe(BIG_REPLY);
      expect(p.stats.faults.garbage).toBeGreaterThanOrEqual(1);
      offsets.push(text.indexOf('#JUNK#'));
    }
    expect(offsets[0]).toBe(offsets[1]);
  });

  it('truncateProbability forwards part of a chunk and then closes', async () => {
    const p = await proxy({ truncateProbability: 1, seed: 3 });
    const socket = await openSocket(p.port);
    const seen = capture(socket);
    socket.write('get big\r\n');
    await seen.whenClosed;
    expect(seen.bytes.length).toBeLessThan(BIG_REPLY.length);
    expect(BIG_REPLY.startsWith(seen.text)).toBe(true);
    expect(p.stats.faults.truncate).toBe(1);
  });

  it('slowReads delivers server→client bytes one at a time', async () => {
    const p = await proxy({ slowReads: true });
    const socket = await openSocket(p.port);
    const seen = capture(socket);
    socket.write('set s 0 0 100\r\n' + 's'.repeat(100) + '\r\nget s\r\n');
    const expected = `STORED\r\nVALUE s 0 100\r\n${'s'.repeat(100)}\r\nEND\r\n`;
    expect(await waitFor(() => seen.bytes.length >= expected.length, 5000)).toBe(true);
    socket.destroy();
    expect(seen.text).toBe(expected);
    // Never more than a couple of bytes per read, so clients see every split point.
    expect(seen.chunks.length).toBeGreaterThan(expected.length / 2);
    expect(Math.max(...seen.chunks.map((c) => c.length))).toBeLessThanOrEqual(2);
  });

  it('refuse stops listening (ECONNREFUSED) and listens again on the same port', async () => {
    const p = await proxy();
    const port = p.port;
    const kept = await openSocket(port);
    await p.set({ refuse: true });
    await expect(openSocket(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const reply = readReplies(kept);
    kept.write('version\r\n');
    expect(await reply).toMatch(/^VERSION /);
    kept.destroy();
    await p.set({ refuse: false });
    expect(p.port).toBe(port);
    expect(await rawCommand(p, 'version\r\n')).toMatch(/^VERSION /);
    expect(p.stats.faults.refuse).toBe(1);
  });

  it('close() ends every connection, clears held bytes and rejects later changes', async () => {
    const p = await proxy({ stall: true, latencyMs: 10_000 });
    const seen = capture(await openSocket(p.port));
    await waitFor(() => p.connections === 1);
    await p.close();
    await p.close();
    await seen.whenClosed;
    expect(p.connections).toBe(0);
    await expect(openSocket(p.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(p.set({ stall: false })).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('rejects out-of-range faults', async () => {
    const p = await proxy();
    await expect(p.set({ garbageProbability: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(p.set({ latencyMs: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(p.set({ cutAfterBytes: 1.5 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(p.faults.garbageProbability).toBe(0);
  });
});

describe('createPrng', () => {
  it('repeats the same sequence for the same seed and stays within [0, 1)', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const c = createPrng(8);
    const seqA = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(seqA);
    expect(Array.from({ length: 1000 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(seqA).size).toBeGreaterThan(990);
  });
});
