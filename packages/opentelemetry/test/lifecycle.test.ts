import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemkitInstrumentation, PACKAGE_NAME, PACKAGE_VERSION } from '../src/index';
import { type Otel, setupOtel } from './helpers/otel';

const command = diagnostics.tracingChannel('memkit:command');
const batch = diagnostics.tracingChannel('memkit:batch');

let server: MemcachedInstance;
let client: Client;
beforeAll(async () => {
  server = await startMemcached();
  client = new Client({ servers: [server.address] });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('MemkitInstrumentation lifecycle', () => {
  it('names its scope after the package and version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
    const inst = new MemkitInstrumentation({ enabled: false });
    expect([inst.instrumentationName, inst.instrumentationVersion]).toEqual([pkg.name, pkg.version]);
  });

  it('subscribes when enabled, and disable() unsubscribes: the client is back to zero cost', async () => {
    expect(command.hasSubscribers).toBe(false);
    const otel = setupOtel();
    try {
      expect(command.hasSubscribers).toBe(true);
      expect(batch.hasSubscribers).toBe(true);
      await client.get('on');
      otel.instrumentation.disable();
      expect(command.hasSubscribers).toBe(false);
      expect(batch.hasSubscribers).toBe(false);
      expect(diagnostics.channel('memkit:server:dead').hasSubscribers).toBe(false);
      await client.get('off');
      otel.instrumentation.enable();
      otel.instrumentation.enable();
      await client.get('on-again');
      // One span per call: enabling twice does not subscribe twice.
      expect(otel.finished().map((s) => s.name)).toEqual(['get', 'get']);
    } finally {
      await otel.shutdown();
    }
    expect(command.hasSubscribers).toBe(false);
  });

  it('enabled: false subscribes to nothing until enable()', () => {
    const inst = new MemkitInstrumentation({ enabled: false });
    expect(command.hasSubscribers).toBe(false);
    inst.enable();
    expect(command.hasSubscribers).toBe(true);
    inst.disable();
    expect(command.hasSubscribers).toBe(false);
  });

  it('responseHook adds attributes; a hook that throws never breaks the call', async () => {
    let otel: Otel | undefined;
    otel = setupOtel({
      responseHook: (span, info) => span.setAttribute('app.keys', info.keyCount),
    });
    try {
      await client.getMulti(['a', 'b', 'c']);
      expect(otel.finished()[0]!.attributes['app.keys']).toBe(3);
      await otel.shutdown();
      otel = setupOtel({
        responseHook: () => {
          throw new Error('hook bug');
        },
        keyAttribute: () => {
          throw new Error('key hook bug');
        },
      });
      await client.set('safe', 'v');
      expect(await client.get('safe')).toBe('v');
      expect(otel.finished().map((s) => s.name)).toEqual(['set', 'get']);
    } finally {
      await otel.shutdown();
    }
  });
});
