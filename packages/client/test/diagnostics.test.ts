import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type CommandMessage, type ConnectionMessage } from '../src/index';
import { type Backend, startReal } from './helpers/backends';

describe('diagnostics_channel events', () => {
  let server: Backend;
  beforeAll(async () => {
    server = await startReal();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('publishes command start/end/error and connection events without values or credentials', async () => {
    const seen: Array<[string, unknown]> = [];
    const names = [
      'memkit:command:start',
      'memkit:command:end',
      'memkit:command:error',
      'memkit:connection:connect',
      'memkit:connection:close',
    ];
    const subs = names.map((name) => {
      const fn = (msg: unknown) => seen.push([name, msg]);
      diagnostics.subscribe(name, fn);
      return [name, fn] as const;
    });
    const client = new Client({ servers: [server.address] });
    try {
      await client.set('diag', 'secret-value');
      await client.get('diag');
      await client.getMulti(['diag', 'x']);
      await client.get('bad key').catch(() => undefined);
      await client.incr('diag').catch(() => undefined);
    } finally {
      await client.close();
      for (const [name, fn] of subs) diagnostics.unsubscribe(name, fn);
    }
    const starts = seen.filter(([n]) => n === 'memkit:command:start').map(([, m]) => m as CommandMessage);
    expect(starts.map((m) => m.command)).toEqual(['set', 'get', 'getMulti', 'incr']);
    expect(starts[2]!.keyCount).toBe(2);
    const ends = seen.filter(([n]) => n === 'memkit:command:end').map(([, m]) => m as CommandMessage);
    expect(ends.length).toBe(3);
    expect(ends.every((m) => typeof m.durationMs === 'number' && m.server === server.address)).toBe(true);
    const errors = seen.filter(([n]) => n === 'memkit:command:error').map(([, m]) => m as CommandMessage);
    expect(errors.map((m) => m.command)).toEqual(['incr']);
    const connects = seen
      .filter(([n]) => n === 'memkit:connection:connect')
      .map(([, m]) => m as ConnectionMessage);
    expect(connects[0]?.server).toBe(server.address);
    expect(JSON.stringify(seen.map(([n, m]) => [n, { ...(m as object), error: undefined }]))).not.toContain(
      'secret-value',
    );
  });
});
