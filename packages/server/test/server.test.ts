/**
 * The server as a whole: its API (address, stats, close), the connection
 * limit, isolation of misbehaving connections, pipelining with one write per
 * input chunk, quit, backpressure and verbose logging.
 */
import { Buffer } from 'node:buffer';
import { connect, createServer, Socket } from 'node:net';
import { isMemkitError } from '@memkit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer } from '../src/index';
import { serverStarter } from './helpers/servers';
import { exchange, Wire } from './helpers/wire';

const start = serverStarter();
afterEach(() => {
  vi.restoreAllMocks();
});

describe('startServer', () => {
  it('listens on a free port and reports its address', async () => {
    const server = await start();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(await exchange(server.port, 'version\r\n')).toBe('VERSION 1.6.18-memkit\r\n');
  });

  it('exposes the general stats', async () => {
    const server = await start({ memoryLimitMb: 8, maxConnections: 7 });
    await exchange(server.port, 'set a 0 0 1\r\nx\r\nget a\r\nget b\r\n');
    const stats = server.stats();
    expect(stats).toMatchObject({
      cmd_get: 3, // a, b and the test helper's sentinel
      cmd_set: 1,
      get_hits: 1,
      curr_items: 1,
      total_items: 1,
      bytes: 61,
      limit_maxbytes: 8 * 1024 * 1024,
      max_connections: 7,
      version: '1.6.18-memkit',
      evictions: 0,
    });
    expect(Number(stats.total_connections)).toBe(1);
  });

  it('closes idempotently, dropping connections, and refuses new ones afterwards', async () => {
    const server = await start();
    const wire = await Wire.open(server.port);
    await Promise.all([server.close(), server.close()]);
    await vi.waitFor(() => expect(wire.closed).toBe(true));
    await expect(Wire.open(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('supports await using', async () => {
    let port = 0;
    {
      await using server = await startServer();
      port = server.port;
      expect(await exchange(port, 'mn\r\n')).toBe('MN\r\n');
    }
    await expect(Wire.open(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('validates options with ERR_INVALID_ARGUMENT', async () => {
    for (const bad of [
      { port: -1 },
      { maxItemSize: 100 },
      { memoryLimitMb: 0 },
      { maxConnections: 1.5 },
      { verbose: 3 },
    ]) {
      const err = await startServer(bad).catch((e: unknown) => e);
      expect(isMemkitError(err, 'ERR_INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('fails with ERR_CONNECT when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const err = await startServer({ port }).catch((e: unknown) => e);
    blocker.close();
    expect(isMemkitError(err, 'ERR_CONNECT')).toBe(true);
  });
});

describe('connections', () => {
  it('refuses connections over the limit with memcached error line, then closes them', async () => {
    const server = await start({ maxConnections: 2 });
    const a = await Wire.open(server.port);
    const b = await Wire.open(server.port);
    await Promise.all([a.send('version\r\n'), b.send('version\r\n')]);
    const c = await Wire.open(server.port);
    expect(await c.send('', 'close')).toBe('ERROR Too many open connections\r\n');
    expect(c.closed).toBe(true);
    expect(server.stats().rejected_connections).toBe(1);
    a.close();
    await vi.waitFor(() => expect(server.stats().curr_connections).toBe(1));
    expect(await exchange(server.port, 'version\r\n')).toMatch(/^VERSION/);
    b.close();
  });

  it('closes a connection whose line runs past 2048 bytes, and only that one', async () => {
    const server = await start();
    const good = await Wire.open(server.port);
    const bad = await Wire.open(server.port);
    expect(await bad.send('x'.repeat(3000), 'close')).toBe('');
    expect(bad.closed).toBe(true);
    expect(await good.send('set k 0 0 1\r\nv\r\nget k\r\n')).toBe('STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n');
    good.close();
  });

  it('closes binary-protocol connections', async () => {
    const server = await start();
    const wire = await Wire.open(server.port);
    const header = Buffer.alloc(24);
    header[0] = 0x80;
    header[1] = 0x0a; // binary noop
    expect(await wire.send(header, 'close')).toBe('');
    expect(wire.closed).toBe(true);
  });

  it('sends the replies queued before quit, then closes', async () => {
    const server = await start();
    const wire = await Wire.open(server.port);
    expect(await wire.send('set a 0 0 1\r\nx\r\nget a\r\nquit\r\nget a\r\n', 'close')).toBe(
      'STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n',
    );
  });

  it('answers a pipelined chunk with a single write', async () => {
    const server = await start();
    const wire = await Wire.open(server.port);
    // Count, on server-side sockets only, the chunks read and the writes made.
    let chunksRead = 0;
    let writes = 0;
    const isServerSide = (socket: Socket) => (socket as Socket & { server?: unknown }).server !== undefined;
    const write = Socket.prototype.write;
    const emit = Socket.prototype.emit;
    vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (isServerSide(this)) writes++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    });
    vi.spyOn(Socket.prototype, 'emit').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (args[0] === 'data' && isServerSide(this)) chunksRead++;
      return (emit as (...a: unknown[]) => boolean).apply(this, args);
    });
    const commands = Array.from(
      { length: 200 },
      (_, i) => `set k${i} 0 0 1\r\n${i % 10}\r\nget k${i}\r\n`,
    ).join('');
    const reply = await wire.send(commands, { suffix: 'k199 0 1\r\n9\r\nEND\r\n' });
    expect(reply.match(/STORED/g)).toHaveLength(200);
    // At most one write per chunk read (a chunk ending mid-command may need none).
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(chunksRead);
    wire.close();
  });

  it('pauses a client that does not read and delivers every byte once it does', async () => {
    const server = await start();
    const value = 'v'.repeat(512 * 1024);
    expect(await exchange(server.port, `set big 0 0 ${value.length}\r\n${value}\r\n`)).toBe('STORED\r\n');
    const socket = connect({ port: server.port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    const gets = 60;
    socket.write('get big\r\n'.repeat(gets));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const expected = gets * (`VALUE big 0 ${value.length}\r\n`.length + value.length + 2 + 5);
    let received = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= expected) resolve();
      });
      socket.resume();
    });
    expect(received).toBe(expected);
    socket.destroy();
  });

  it('never logs by default, even after a client sends verbosity', async () => {
    const write = vi.spyOn(process.stderr, 'write');
    const server = await startServer();
    await exchange(server.port, 'verbosity 2\r\nversion\r\n');
    await server.close();
    const logged = write.mock.calls.filter(([chunk]) => String(chunk).includes('connection'));
    expect(logged).toEqual([]);
  });

  it('logs connections and commands when verbose', async () => {
    const lines: string[] = [];
    const server = await start({ verbose: 2, logger: (line) => lines.push(line) });
    await exchange(server.port, 'version\r\n');
    await vi.waitFor(() => expect(lines.some((l) => l.includes('connection closed'))).toBe(true));
    expect(lines.some((l) => l.includes('listening on'))).toBe(true);
    expect(lines.some((l) => l.includes('new connection'))).toBe(true);
    expect(lines.some((l) => l.endsWith(' version'))).toBe(true);
  });
});
