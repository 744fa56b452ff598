/**
 * memkit-server as a cluster configuration endpoint: the exact bytes of the
 * `config get cluster` answer, node lists changed at run time under rising
 * versions, invalid lists refused (the published one stays), the same
 * `ERROR` as memcached when the mode is off, and the `--cluster-config`
 * file of the CLI re-read when it changes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClusterConfig, ReplyDecoder } from '@memkit/protocol';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeListFile } from '../src/index';
import { serverStarter } from './helpers/servers';
import { exchange, Wire } from './helpers/wire';

const start = serverStarter();

const END = { suffix: 'END\r\n' };

/** Decodes a `config get cluster` answer with the client-side decoder and parses its block. */
function configOf(reply: string) {
  const replies = new ReplyDecoder().push(Buffer.from(reply, 'latin1'));
  expect(replies.map((r) => r.type)).toEqual(['CONFIG', 'END']);
  const config = replies[0] as Extract<(typeof replies)[number], { type: 'CONFIG' }>;
  return parseClusterConfig(config.value);
}

describe('config get cluster', () => {
  it('answers with the published nodes, byte for byte', async () => {
    const server = await start({
      clusterConfig: { nodes: ['127.0.0.1:11211', 'cache-b.internal:11212', 'c.internal|10.0.0.3|11213'] },
    });
    expect(await exchange(server.port, 'config get cluster\r\n', END)).toBe(
      'CONFIG cluster 0 78\r\n1\n127.0.0.1|127.0.0.1|11211 cache-b.internal||11212 c.internal|10.0.0.3|11213\n\r\nEND\r\n',
    );
    expect(server.clusterConfig()).toEqual({
      version: 1,
      nodes: [
        { host: '127.0.0.1', ip: '127.0.0.1', port: 11211 },
        { host: 'cache-b.internal', ip: '', port: 11212 },
        { host: 'c.internal', ip: '10.0.0.3', port: 11213 },
      ],
    });
  });

  it('publishes a changed list under the next version, on connections opened before', async () => {
    const server = await start({ clusterConfig: { nodes: ['127.0.0.1:1'], version: 41 } });
    const wire = await Wire.open(server.port);
    try {
      expect(configOf(await wire.send('config get cluster\r\n', END)).version).toBe(41);
      expect(server.setClusterNodes(['127.0.0.1:1', '[::1]:2']).version).toBe(42);
      expect(configOf(await wire.send('config get cluster\r\n', END))).toEqual({
        version: 42,
        nodes: [
          { host: '127.0.0.1', ip: '127.0.0.1', port: 1 },
          { host: '::1', ip: '::1', port: 2 },
        ],
      });
      expect(server.setClusterNodes(['127.0.0.1:3'], 100).version).toBe(100);
      expect(configOf(await wire.send('config get cluster\r\n', END)).version).toBe(100);
    } finally {
      wire.close();
    }
  });

  it('refuses an empty or invalid list and a version that does not rise, keeping the published one', async () => {
    const server = await start({ clusterConfig: { nodes: ['127.0.0.1:1'] } });
    const bad: Array<() => unknown> = [
      () => server.setClusterNodes([]),
      () => server.setClusterNodes(['no-port']),
      () => server.setClusterNodes(['a:0']),
      () => server.setClusterNodes(['a b:1']),
      () => server.setClusterNodes(['a:1', 'a:1']),
      () => server.setClusterNodes(['a:1'], 1),
    ];
    for (const call of bad) expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(configOf(await exchange(server.port, 'config get cluster\r\n', END))).toEqual({
      version: 1,
      nodes: [{ host: '127.0.0.1', ip: '127.0.0.1', port: 1 }],
    });
  });

  it('can become an endpoint at run time, and answers a request that arrives byte by byte', async () => {
    const server = await start();
    expect(server.clusterConfig()).toBeUndefined();
    expect(await exchange(server.port, 'config get cluster\r\n', { suffix: '\r\n' })).toBe('ERROR\r\n');
    server.setClusterNodes(['127.0.0.1:5']);
    const wire = await Wire.open(server.port);
    try {
      for (const byte of 'config get cluster\r\n') wire.write(byte);
      expect(configOf(await wire.send('', END)).nodes).toEqual([
        { host: '127.0.0.1', ip: '127.0.0.1', port: 5 },
      ]);
      expect(await wire.send('config get other\r\n', { suffix: '\r\n' })).toBe('ERROR\r\n');
    } finally {
      wire.close();
    }
  });
});

describe('without the mode, like memcached', () => {
  let mc: MemcachedInstance;
  afterAll(() => mc?.stop());

  it('answers config get cluster with ERROR, as memcached 1.6.18 does', async () => {
    mc = await startMemcached();
    const server = await start();
    for (const line of ['config get cluster\r\n', 'config get\r\n', 'config set cluster 0 0\r\n']) {
      const theirs = await exchange(mc.port, line, { suffix: '\r\n' });
      expect(await exchange(server.port, line, { suffix: '\r\n' })).toBe(theirs);
    }
  });
});

describe('node list files', () => {
  it('reads host:port and host|ip|port entries separated by spaces or lines, with comments', () => {
    expect(parseNodeListFile('# nodes\n127.0.0.1:1  b.internal:2\n\nc|10.0.0.1|3 # third\n')).toEqual([
      { host: '127.0.0.1', ip: '127.0.0.1', port: 1 },
      { host: 'b.internal', ip: '', port: 2 },
      { host: 'c', ip: '10.0.0.1', port: 3 },
    ]);
  });
});

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('memkit-server --cluster-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-cluster-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the file and a new version each time it changes; a broken file keeps the last good list', async () => {
    const file = join(dir, 'nodes.txt');
    writeFileSync(file, '127.0.0.1:7001\n');
    child = spawn(process.execPath, [CLI, '-p', '0', '-v', '--cluster-config', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const port = await until(() => /listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1]);
    const ask = async () => configOf(await exchange(Number(port), 'config get cluster\r\n', END));
    expect(await ask()).toEqual({ version: 1, nodes: [{ host: '127.0.0.1', ip: '127.0.0.1', port: 7001 }] });

    writeFileSync(file, '127.0.0.1:7001 127.0.0.1:7002\n');
    await until(() => log.includes('cluster config: version 2, 2 nodes') || undefined);
    expect((await ask()).nodes.map((n) => n.port)).toEqual([7001, 7002]);

    writeFileSync(file, 'this is not a node list\n');
    await until(() => log.includes('keeping the published list') || undefined);
    expect(await ask()).toMatchObject({ version: 2 });
  });
});

/** Polls `probe` until it returns something (the CLI logs what it did; no fixed sleeps). */
async function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for the CLI');
    await new Promise((r) => setTimeout(r, 20));
  }
}
