import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../src/index';

const root = fileURLToPath(new URL('..', import.meta.url));

let server: MemcachedInstance;
beforeAll(async () => {
  server = await startMemcached();
});
afterAll(() => server.stop());

/** Starts the fixture app; resolves with its port once it listens. */
function startApp(env: Record<string, string>): {
  child: ChildProcess;
  port: Promise<number>;
  output: () => string;
} {
  const child = spawn(process.execPath, ['test/fixtures/traced-app.mjs'], {
    cwd: root,
    env: { ...process.env, MEMCACHED_SERVERS: server.address, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`app exited (${code}) before listening: ${out}`)));
  });
  return { child, port, output: () => out };
}

/** Spans printed by the console exporter (util.inspect blocks): name, kind, id and parent id. */
function printedSpans(
  out: string,
): Array<{ name: string; kind: number; id: string; parent: string | undefined }> {
  return out
    .split(/\n}\n/)
    .filter((block) => /\n {2}kind: \d/.test(block))
    .map((block) => ({
      name: /\n {2}name: '([^']+)'/.exec(block)![1]!,
      kind: Number(/\n {2}kind: (\d)/.exec(block)![1]),
      id: /\n {2}id: '([0-9a-f]+)'/.exec(block)![1]!,
      parent: /parentSpanContext: \{[^}]*spanId: '([0-9a-f]+)'/.exec(block)?.[1],
    }));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('MEMKIT_OTEL', () => {
  it('=console prints the spans of memkit calls and the metrics, flushed on SIGTERM', async () => {
    const app = startApp({ MEMKIT_OTEL: 'console' });
    const port = await app.port;
    expect(await (await fetch(`http://127.0.0.1:${port}/a`)).text()).toBe('fresh');
    expect(await (await fetch(`http://127.0.0.1:${port}/a`)).text()).toBe('fresh');
    const done = exited(app.child);
    app.child.kill('SIGTERM');
    expect(await done).toBe(0);
    const out = app.output();
    const spans = printedSpans(out);
    const requests = spans.filter((s) => s.name === 'GET' && s.kind === 1);
    const calls = spans.filter((s) => s.name === 'getOrSet');
    expect(requests.length).toBe(2);
    expect(calls.length).toBe(2);
    // Each memkit span is the child of the HTTP request it served.
    expect(calls.map((c) => c.parent).sort()).toEqual(requests.map((r) => r.id).sort());
    expect(out).toMatch(/'memkit\.get_or_set\.outcome': 'won'/);
    expect(out).toMatch(/'memkit\.get_or_set\.outcome': 'hit'/);
    expect(out).toMatch(/'db\.system\.name': 'memcached'/);
    expect(out).toContain("name: 'db.client.operation.duration'");
  });

  it('unset: nothing is printed', async () => {
    const app = startApp({ MEMKIT_OTEL: '' });
    const port = await app.port;
    await fetch(`http://127.0.0.1:${port}/b`);
    const done = exited(app.child);
    app.child.kill('SIGTERM');
    expect(await done).toBe(0);
    expect(app.output()).not.toContain('getOrSet');
    expect(app.output().trim().split('\n')).toEqual([expect.stringMatching(/^LISTENING \d+$/)]);
  });

  it('refuses an unknown value instead of silently not tracing', async () => {
    await expect(startTelemetry('jaeger')).rejects.toThrow(/MEMKIT_OTEL="jaeger": expected one of console/);
    expect(await startTelemetry('')).toBeUndefined();
  });
});
