/**
 * Limits: values over the item size are refused locally and the stored value survives; values
 * right at the limits are stored; 1 MiB values and a 100k-key getMulti work; a reply larger
 * than the decoder limit (max(2 × maxValueSize, 32 MiB)) or a line longer than the line limit
 * kills that connection with ERR_PROTOCOL, without buffering it, and nothing else.
 */
import { type MemcachedInstance, rawStoreAccess, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { type FakeServer, startFakeServer } from './fake-server';

const MiB = 1024 * 1024;
/** The documented default of `maxValueSize`: 1 MiB − 512 B. */
const DEFAULT_MAX_VALUE_SIZE = 1_048_064;

describe('item size limits (memcached -I 1m, the default)', () => {
  let mc: MemcachedInstance;
  beforeAll(async () => {
    mc = await startMemcached({ memoryMb: 64 });
  });
  afterAll(async () => {
    await mc.stop();
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: a value over maxValueSize → ERR_VALUE_TOO_LARGE, the previous value stays`, async () => {
      const client = new Client({ servers: [mc.address], protocol });
      try {
        const key = `big:${protocol}`;
        expect(await client.set(key, 'previous')).toBe(true);
        for (const size of [DEFAULT_MAX_VALUE_SIZE + 1, MiB, 2 * MiB]) {
          await expect(client.set(key, Buffer.alloc(size, 1))).rejects.toMatchObject({
            code: 'ERR_VALUE_TOO_LARGE',
          });
          await expect(client.setMulti([[key, Buffer.alloc(size, 1)]])).rejects.toMatchObject({
            code: 'ERR_VALUE_TOO_LARGE',
          });
          await expect(client.cas(key, Buffer.alloc(size, 1), 1n)).rejects.toMatchObject({
            code: 'ERR_VALUE_TOO_LARGE',
          });
        }
        expect(await client.get(key)).toBe('previous');
        expect((await rawStoreAccess(mc).get(key))?.toString()).toBe('previous');
      } finally {
        await client.close();
      }
    });

    it(`${protocol}: a value of exactly maxValueSize under a 250-byte key is stored`, async () => {
      const client = new Client({ servers: [mc.address], protocol });
      try {
        // If the default left no room for memcached's item header, the server would refuse
        // this set AND delete the previous value: data loss the local check exists to prevent.
        const key = `${protocol}:`.padEnd(250, 'k');
        const value = Buffer.alloc(DEFAULT_MAX_VALUE_SIZE, 7);
        expect(await client.set(key, 'previous')).toBe(true);
        expect(await client.set(key, value)).toBe(true);
        expect(Buffer.compare((await client.get<Buffer>(key))!, value)).toBe(0);
      } finally {
        await client.close();
      }
    });

    it(`${protocol}: an append past the item size is refused and keeps the value`, async () => {
      const client = new Client({ servers: [mc.address], protocol });
      try {
        const key = `append:${protocol}`;
        const value = Buffer.alloc(700 * 1024, 3);
        expect(await client.set(key, value)).toBe(true);
        // Only the server knows the combined size: it answers NOT_STORED / NS.
        expect(await client.append(key, Buffer.alloc(700 * 1024, 4))).toBe(false);
        expect(Buffer.compare((await client.get<Buffer>(key))!, value)).toBe(0);
      } finally {
        await client.close();
      }
    });
  }

  it('100k-key getMulti works in both protocols (hits and misses)', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `many:${i}`);
    // Setup, not what is checked: 50,000 values in one setMulti get the same 10 s as the getMulti,
    // or a busy machine times the seeding out (and every key comes back as not stored).
    const seeder = new Client({ servers: [mc.address], timeout: 10_000 });
    try {
      // Every other key is stored, so half of the getMulti is misses.
      const stored = keys.filter((_, i) => i % 2 === 0).map((k) => [k, `v-${k}`] as const);
      expect(await seeder.setMulti(stored)).toEqual([]);
      for (const protocol of ['meta', 'text'] as const) {
        const client = new Client({ servers: [mc.address], protocol, timeout: 10_000 });
        try {
          const got = await client.getMulti(keys);
          expect(got.size).toBe(stored.length);
          expect(new Map(got)).toEqual(new Map(stored));
        } finally {
          await client.close();
        }
      }
    } finally {
      await seeder.close();
    }
  }, 60_000);
});

describe('1 MiB values (memcached -I 2m)', () => {
  let mc: MemcachedInstance;
  beforeAll(async () => {
    mc = await startMemcached({ memoryMb: 64, maxItemSize: '2m' });
  });
  afterAll(async () => {
    await mc.stop();
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: 1 MiB values round-trip, alone and pipelined`, async () => {
      const client = new Client({ servers: [mc.address], protocol, maxValueSize: 2 * MiB - 512 });
      try {
        const values = Array.from({ length: 4 }, (_, i) => Buffer.alloc(MiB, i + 1));
        await Promise.all(values.map((v, i) => client.set(`mib:${protocol}:${i}`, v)));
        const got = await Promise.all(values.map((_, i) => client.get<Buffer>(`mib:${protocol}:${i}`)));
        for (const [i, g] of got.entries()) expect(Buffer.compare(g!, values[i]!)).toBe(0);
        const multi = await client.getMulti<Buffer>(values.map((_, i) => `mib:${protocol}:${i}`));
        expect([...multi.values()].map((v) => v.length)).toEqual([MiB, MiB, MiB, MiB]);
      } finally {
        await client.close();
      }
    });
  }
});

describe('decoder limits against a scripted server', () => {
  let fake: FakeServer;
  let mode: 'too-large' | 'long-line' | 'limit-exact' = 'too-large';
  /** Bytes the scripted server sent per connection: the client never waited for the body. */
  beforeAll(async () => {
    fake = await startFakeServer((socket, received) => {
      const lines = received.split('\r\n');
      for (const line of lines.slice(0, -1)) {
        const opaque = /\bO(\S+)/.exec(line)?.[1];
        if (line.startsWith('mg ') && line.includes(' v') && opaque) {
          if (line.startsWith('mg ok ')) socket.write(`VA 2 f16 O${opaque}\r\nok\r\n`);
          else if (mode === 'too-large') socket.write(`VA ${32 * MiB + 1} f0 O${opaque}\r\n`);
          else if (mode === 'long-line') socket.write(`VA 1 f0 O${opaque}${' x'.repeat(50_000)}`);
          else {
            const size = 32 * MiB;
            socket.write(`VA ${size} f0 O${opaque}\r\n`);
            socket.write(Buffer.alloc(size, 0x61));
            socket.write('\r\n');
          }
        } else if (line.startsWith('get ')) {
          socket.write(`VALUE ${line.split(' ')[1]} 0 ${64 * MiB}\r\n`);
        }
      }
      return received.length - lines[lines.length - 1]!.length;
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  async function expectKilled(protocol: 'meta' | 'text', what: string): Promise<void> {
    const client = new Client({ servers: [fake.address], protocol, timeout: 2000 });
    try {
      await client.get('warmup').catch(() => undefined);
      const accepted = fake.accepted;
      const arrayBuffers = process.memoryUsage().arrayBuffers;
      // A second request pipelined behind the bad reply fails with the same error: ERR_PROTOCOL, so
      // the bad reply killed the connection at once (waiting for the timeout would be ERR_TIMEOUT).
      const results = await Promise.allSettled([client.get('bad'), client.get('behind')]);
      for (const r of results)
        expect(r, what).toMatchObject({ status: 'rejected', reason: { code: 'ERR_PROTOCOL' } });
      // Nothing was allocated for the announced size.
      expect(process.memoryUsage().arrayBuffers - arrayBuffers).toBeLessThan(8 * MiB);
      // Only that connection died: the next call reconnects and works.
      if (protocol === 'meta') {
        expect(await client.get('ok')).toBe('ok');
        expect(fake.accepted).toBeGreaterThan(accepted);
      }
    } finally {
      await client.close();
    }
  }

  it('meta: a VA block over 32 MiB kills the connection with ERR_PROTOCOL', async () => {
    mode = 'too-large';
    await expectKilled('meta', 'too large');
  });

  it('text: a VALUE block over 32 MiB kills the connection with ERR_PROTOCOL', async () => {
    await expectKilled('text', 'too large');
  });

  it('a reply line longer than the line limit kills the connection with ERR_PROTOCOL', async () => {
    mode = 'long-line';
    await expectKilled('meta', 'long line');
  });

  it('the limit is max(2 × maxValueSize, 32 MiB): a 32 MiB block is still read', async () => {
    mode = 'limit-exact';
    const client = new Client({ servers: [fake.address], timeout: 10_000 });
    try {
      const v = await client.get<Buffer>('exact');
      expect(v?.length).toBe(32 * MiB);
    } finally {
      await client.close();
    }
  });

  it('a larger maxValueSize raises the limit to twice its size', async () => {
    mode = 'too-large';
    // 32 MiB + 1 is over the default limit but under 2 × 17 MiB: the client waits for the body.
    const client = new Client({ servers: [fake.address], timeout: 300, maxValueSize: 17 * MiB });
    try {
      await expect(client.get('big')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    } finally {
      await client.close();
    }
  });
});
