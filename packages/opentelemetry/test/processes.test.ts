/**
 * End-to-end runs in fresh Node processes against the built packages (their
 * CJS and ESM builds): an Express app whose request span (from the official
 * HTTP instrumentation) parents memkit's spans, and the README's NodeSDK
 * example, which must stay identical to examples/node-sdk.mjs.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

let server: MemcachedInstance;
beforeAll(async () => {
  server = await startMemcached();
});
afterAll(() => server.stop());

interface PrintedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

describe('in a real app process', () => {
  it("an Express request's server span (instrumentation-http) is the parent of memkit's spans (CJS builds)", async () => {
    const { stdout } = await run(process.execPath, ['test/fixtures/express-app.cjs'], {
      cwd: root,
      env: { ...process.env, MEMCACHED_SERVERS: server.address },
    });
    expect(stdout).toContain('BODY {"id":"7"}');
    const spans: PrintedSpan[] = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const request = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(request).toBeDefined();
    const memkit = spans.filter((s) => s.attributes['db.system.name'] === 'memcached');
    expect(memkit.map((s) => s.name).sort()).toEqual(['getMulti', 'getOrSet']);
    for (const s of memkit) {
      expect(s.parentSpanId).toBe(request!.spanId);
      expect(s.traceId).toBe(request!.traceId);
      expect(s.kind).toBe(SpanKind.CLIENT);
    }
    expect(memkit.find((s) => s.name === 'getOrSet')!.attributes['memkit.get_or_set.outcome']).toBe('won');
  });

  it('the README example runs as written and prints spans and metrics', async () => {
    const example = readFileSync(new URL('../examples/node-sdk.mjs', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
    const { stdout } = await run(process.execPath, ['examples/node-sdk.mjs'], {
      cwd: root,
      env: { ...process.env, MEMCACHED_SERVERS: server.address, OTEL_SDK_DISABLED: '' },
    });
    expect(stdout).toMatch(/^hello$/m);
    expect(stdout).toMatch(/name: 'getOrSet'/);
    expect(stdout).toMatch(/'db\.system\.name': 'memcached'/);
    expect(stdout).toMatch(/'memkit\.get_or_set\.outcome': 'hit'/);
    expect(stdout).toContain('db.client.operation.duration');
  });
});
