import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildMemcachedArgs,
  type MemcachedInstance,
  rawCommand,
  rawStats,
  startMemcached,
  startMemcachedCluster,
  stopAll,
  waitServerSeconds,
} from '../src/index';
import { openSocket, pidAlive, waitFor } from './helpers';

const started: MemcachedInstance[] = [];
async function start(...args: Parameters<typeof startMemcached>): Promise<MemcachedInstance> {
  const mc = await startMemcached(...args);
  started.push(mc);
  return mc;
}

afterEach(async () => {
  const servers = started.splice(0);
  // SIGKILL first: memcached spends ~0.8 s on a graceful SIGTERM, which the stop() tests cover.
  for (const server of servers) server.kill('SIGKILL');
  await stopAll(servers);
});

describe('startMemcached', () => {
  it('starts one real memcached on a free port that stores and returns values', async () => {
    const mc = await start();
    expect(mc.host).toBe('127.0.0.1');
    expect(mc.port).toBeGreaterThan(0);
    expect(mc.address).toBe(`127.0.0.1:${mc.port}`);
    expect(mc.running).toBe(true);
    expect(mc.args).toEqual(expect.arrayContaining(['-U', '0', '-p', String(mc.port), '-t', '2']));
    expect(await rawCommand(mc, 'set k 5 0 3\r\nabc\r\n')).toBe('STORED\r\n');
    expect(await rawCommand(mc, 'get k\r\n')).toBe('VALUE k 5 3\r\nabc\r\nEND\r\n');
    const stats = await rawStats(mc);
    expect(Number(stats.pid)).toBe(mc.pid);
    expect(stats.threads).toBe('2');
  });

  it('passes memory, item size, threads and extra args to memcached', async () => {
    const mc = await start({ memoryMb: 16, maxItemSize: '2m', threads: 1, args: ['-c', '64'] });
    const settings = await rawStats(mc, 'settings');
    expect(settings.maxbytes).toBe(String(16 * 1024 * 1024));
    expect(settings.item_size_max).toBe(String(2 * 1024 * 1024));
    expect(settings.num_threads).toBe('1');
    expect(settings.maxconns).toBe('64');
    expect(settings.udpport).toBe('0');
  });

  it('runs three servers at once, each its own process and port', async () => {
    const cluster = await startMemcachedCluster(3);
    started.push(...cluster);
    expect(new Set(cluster.map((m) => m.port)).size).toBe(3);
    expect(new Set(cluster.map((m) => m.pid)).size).toBe(3);
    await Promise.all(cluster.map((m, i) => rawCommand(m, `set who 0 0 1\r\n${i}\r\n`)));
    for (const [i, m] of cluster.entries()) {
      expect(await rawCommand(m, 'get who\r\n')).toBe(`VALUE who 0 1\r\n${i}\r\nEND\r\n`);
      expect(Number((await rawStats(m)).pid)).toBe(m.pid);
    }
  });

  it('listens on a unix socket instead of TCP', async () => {
    const mc = await start({ socketPath: true });
    expect(mc.socketPath).toMatch(/memcached\.sock$/);
    expect(mc.address).toBe(mc.socketPath);
    expect(mc.args).toEqual(expect.arrayContaining(['-s', mc.socketPath, '-a', '0700']));
    expect(await rawCommand(mc, 'set u 0 0 2\r\nhi\r\n')).toBe('STORED\r\n');
    expect(await rawCommand(mc, 'get u\r\n')).toBe('VALUE u 0 2\r\nhi\r\nEND\r\n');
    expect(mc.args).not.toContain('-p');
  });

  it('stop() ends only its own pid, is idempotent, and later commands fail to connect', async () => {
    const [a, b] = await startMemcachedCluster(2);
    started.push(a!, b!);
    const pidA = a!.pid;
    const stopping = [a!.stop(), a!.stop()];
    await Promise.all(stopping);
    await a!.stop();
    expect(a!.running).toBe(false);
    expect(pidAlive(pidA)).toBe(false);
    expect(pidAlive(b!.pid)).toBe(true);
    expect(await rawCommand(b!, 'version\r\n')).toMatch(/^VERSION 1\.6/);
    await expect(rawCommand(a!, 'version\r\n')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
  });

  it('restart() brings a fresh process back on the same port, after stop or kill', async () => {
    const mc = await start();
    const { port, pid } = mc;
    await rawCommand(mc, 'set gone 0 0 1\r\nx\r\n');
    await mc.restart();
    expect(mc.port).toBe(port);
    expect(mc.pid).not.toBe(pid);
    expect(pidAlive(pid)).toBe(false);
    // A new process: the old data is gone.
    expect(await rawCommand(mc, 'get gone\r\n')).toBe('END\r\n');

    expect(mc.kill('SIGKILL')).toBe(true);
    expect(await waitFor(() => !mc.running)).toBe(true);
    await expect(rawCommand(mc, 'version\r\n')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    await mc.restart();
    expect(mc.port).toBe(port);
    expect(await rawCommand(mc, 'version\r\n')).toMatch(/^VERSION /);

    await mc.stop();
    // Queued in call order: the stop after a restart stops the restarted process.
    const back = mc.restart();
    const stoppedAgain = mc.stop();
    await back;
    const restartedPid = mc.pid;
    await stoppedAgain;
    expect(mc.running).toBe(false);
    expect(pidAlive(restartedPid)).toBe(false);
    await mc.restart();
    expect(mc.running).toBe(true);
    expect(await rawCommand(mc, 'version\r\n')).toMatch(/^VERSION /);
  });

  it('kill(SIGSTOP) freezes the server until SIGCONT', async () => {
    const mc = await start();
    const socket = await openSocket(mc.port);
    try {
      expect(mc.kill('SIGSTOP')).toBe(true);
      // Signals are delivered asynchronously: wait until the kernel reports it stopped.
      expect(await waitFor(() => /\) T /.test(readFileSync(`/proc/${mc.pid}/stat`, 'utf8')))).toBe(true);
      const replies: string[] = [];
      socket.on('data', (d: Buffer) => replies.push(d.toString()));
      socket.write('version\r\n');
      await new Promise((r) => setTimeout(r, 200));
      expect(replies).toEqual([]);
      expect(mc.running).toBe(true);
      expect(mc.kill('SIGCONT')).toBe(true);
      expect(await waitFor(() => replies.join('').includes('VERSION '))).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  it('stop() also ends a SIGSTOPped server', async () => {
    const mc = await start();
    mc.kill('SIGSTOP');
    await mc.stop();
    expect(pidAlive(mc.pid)).toBe(false);
    // It handled SIGTERM (exit 0) once continued, rather than waiting for the SIGKILL fallback.
    expect(mc.process.signalCode).toBe(null);
    expect(mc.process.exitCode).toBe(0);
  });

  it('rejects with memcached output when the process exits early', async () => {
    const err = await startMemcached({ args: ['--no-such-flag'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CONNECT', name: 'MemkitError' });
    expect(String((err as Error).message)).toMatch(/exited with code \d+ before answering/);
    expect(String((err as Error).message)).toMatch(/no-such-flag|unrecognized|invalid/i);
  });

  it('rejects with ERR_CONNECT when the binary is missing', async () => {
    await expect(startMemcached({ bin: '/nonexistent/memcached' })).rejects.toMatchObject({
      code: 'ERR_CONNECT',
      message: expect.stringMatching(/ENOENT/),
    });
  });

  it('reports a fixed port that is taken instead of silently moving', async () => {
    const mc = await start();
    await expect(startMemcached({ port: mc.port })).rejects.toMatchObject({
      code: 'ERR_CONNECT',
      message: expect.stringMatching(/Address already in use/),
    });
  });

  it('rejects invalid options before spawning', async () => {
    await expect(startMemcached({ threads: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(startMemcached({ auth: { username: 'a b', password: 'x' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(startMemcachedCluster(2, { port: 11311 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  it('stopAll() with no argument stops every live instance of this process', async () => {
    const cluster = await startMemcachedCluster(2);
    await stopAll();
    for (const m of cluster) expect(pidAlive(m.pid)).toBe(false);
  });
});

describe('buildMemcachedArgs', () => {
  it('maps every option to its memcached flag and appends extra args last', () => {
    const args = buildMemcachedArgs({
      host: '127.0.0.1',
      port: 1234,
      threads: 3,
      memoryMb: 8,
      maxItemSize: '4m',
      authFile: '/tmp/a',
      tlsCertFile: '/tmp/c.pem',
      tlsKeyFile: '/tmp/k.pem',
      runAsRoot: true,
      extra: ['-vv'],
    });
    expect(args).toEqual(
      ['-U', '0', '-t', '3', '-l', '127.0.0.1', '-p', '1234', '-m', '8', '-I', '4m', '-Y', '/tmp/a'].concat([
        '-Z',
        '-o',
        'ssl_chain_cert=/tmp/c.pem,ssl_key=/tmp/k.pem',
        '-u',
        'root',
        '-vv',
      ]),
    );
    const unix = buildMemcachedArgs({
      host: 'h',
      port: 0,
      socketPath: '/s',
      threads: 1,
      runAsRoot: false,
      extra: [],
    });
    expect(unix).toEqual(['-U', '0', '-t', '1', '-s', '/s', '-a', '0700']);
  });
});

describe('waitServerSeconds', () => {
  it("returns once memcached's own clock moved that far: a 1 s TTL is then over", async () => {
    const mc = await start();
    const before = Number((await rawStats(mc)).time);
    expect(await rawCommand(mc, 'set short 0 1 1\r\nx\r\n')).toBe('STORED\r\n');
    await waitServerSeconds(mc, 2);
    expect(Number((await rawStats(mc)).time)).toBeGreaterThanOrEqual(before + 2);
    expect(await rawCommand(mc, 'get short\r\n')).toBe('END\r\n');
  });
});
