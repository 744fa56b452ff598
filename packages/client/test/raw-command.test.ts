/**
 * `rawCommand`, the escape hatch for commands memkit does not wrap: one
 * checked command line on a connection of its own, its reply read as lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKENDS, type Backend, startReal } from './helpers/backends';
import { answerOf } from './helpers/server-results';
import { useClient } from './helpers/use-client';
import { waitUntil } from './helpers/wait';

describe.each(BACKENDS)('rawCommand ($name)', (backend) => {
  const f = useClient(backend.start);

  it('reads a one-line reply, or every line up to the terminator', async () => {
    expect(await f.client.rawCommand(f.server.address, 'version')).toEqual([
      expect.stringMatching(/^VERSION 1\.6/),
    ]);
    expect(await f.client.rawCommand(f.server.address, 'verbosity 0')).toEqual(['OK']);
    const settings = await f.client.rawCommand(f.server.address, 'stats settings', { terminator: 'END' });
    expect(settings.length).toBeGreaterThan(10);
    for (const line of settings) expect(line).toMatch(/^STAT \S+ /);
    expect(settings).toContainEqual(expect.stringMatching(/^STAT maxconns \d+$/));
  });

  it('reads lines ended by LF alone (lru_crawler metadump)', async () => {
    await f.client.setMulti({ 'dump:a': 1, 'dump:b': 2 });
    const lines = await f.client.rawCommand(f.server.address, 'lru_crawler metadump all', {
      terminator: 'END',
    });
    const keys = lines.map((l) => /^key=(\S+)/.exec(l)?.[1]).sort();
    expect(keys).toEqual(['dump%3Aa', 'dump%3Ab']);
  });

  it('sends a declared data block after a command that announces its length', async () => {
    expect(await f.client.rawCommand(f.server.address, 'set raw:k 0 0 5', { data: 'hello' })).toEqual([
      'STORED',
    ]);
    expect(await f.client.get('raw:k')).toEqual(Buffer.from('hello'));
  });

  it('rejects error replies with the usual codes, and unknown servers', async () => {
    await expect(f.client.rawCommand(f.server.address, 'no_such_command')).rejects.toMatchObject({
      code: 'ERR_CLIENT_ERROR',
      command: 'no_such_command',
    });
    await expect(
      f.client.rawCommand(f.server.address, 'stats', { terminater: 'END' } as never),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/terminator/) });
    await expect(f.client.rawCommand('10.0.0.1:11211', 'version')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringContaining(f.server.address),
    });
  });

  it('cannot inject: nothing is sent for a line that is not exactly one command', async () => {
    await f.client.set('keep', 'me');
    const attempts: Array<[string, { data?: string }?]> = [
      ['version\r\nflush_all'],
      ['version\nflush_all'],
      ['stats\0 flush_all'],
      ['version', { data: 'flush_all' }],
      ['set x 0 0 1', { data: 'y\r\nflush_all' }],
      ['set x 0 0 14'],
      ['flush_all noreply'],
    ];
    for (const [line, opts] of attempts) {
      await expect(f.client.rawCommand(f.server.address, line, opts)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
    expect(await f.client.get('keep')).toBe('me');
    expect(await f.client.get('x')).toBeUndefined();
  });

  it('never shares a pipeline with other calls', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `p${i}`);
    await f.client.setMulti(keys.map((k) => [k, `v:${k}`] as const));
    const gets = keys.map((k) => f.client.get(k));
    const raws = Array.from({ length: 10 }, () =>
      f.client.rawCommand(f.server.address, 'stats settings', { terminator: 'END' }),
    );
    const values = await Promise.all(gets);
    expect(values).toEqual(keys.map((k) => `v:${k}`));
    for (const lines of await Promise.all(raws)) expect(lines.every((l) => l.startsWith('STAT '))).toBe(true);
  });

  it('bounds the reply, and fails after close', async () => {
    await expect(
      f.client.rawCommand(f.server.address, 'stats settings', { terminator: 'END', maxReplyBytes: 100 }),
    ).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
    expect(await f.client.rawCommand(f.server.address, 'version')).toHaveLength(1);
    const closed = new Client({ servers: [f.server.address] });
    await closed.close();
    await expect(closed.rawCommand(f.server.address, 'version')).rejects.toMatchObject({
      code: 'ERR_CLIENT_CLOSED',
    });
  });
});

describe('rawCommand against memcached: a reply that never ends', () => {
  let server: Backend;
  beforeAll(async () => {
    server = await startReal();
  });
  afterAll(() => server.stop());

  it('times out (watch streams forever) and closes its connection', async () => {
    // One pooled socket, so the count moves only with the raw command's own connection.
    const client = new Client({ servers: [server.address], connectionsPerServer: 1 });
    const open = async () => Number(answerOf(await client.stats(), server.address).curr_connections);
    try {
      const before = await open();
      await expect(
        client.rawCommand(server.address, 'watch', { terminator: 'END', timeout: 300 }),
      ).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      // The watcher's connection is gone: memcached counts it closed (it may take a moment).
      await waitUntil(async () => (await open()) <= before, 'memcached to count the close').catch(() => {});
      expect(await open()).toBe(before);
    } finally {
      await client.close();
    }
  });
});
