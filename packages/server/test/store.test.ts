/**
 * The store: memcached's item size formula and slab classes, memory-bounded
 * LRU eviction (with a bump keeping an item alive), incr/decr in place vs
 * growing, and the per-class stats built from it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type MemkitServer, type ServerOptions, startServer } from '../src/index';
import { itemTotalSize, SlabClasses } from '../src/store/slabs';
import { Wire } from './helpers/wire';

describe('item sizes and slab classes', () => {
  it('counts an item like memcached (header, key, flags, data, CRLF)', () => {
    expect(itemTotalSize(1, 0, 1)).toBe(61);
    expect(itemTotalSize(6, 7, 5)).toBe(74);
    // The largest value memcached 1.6 accepts under "big" with -I 1m is 1048514 bytes.
    expect(itemTotalSize(3, 0, 1048514)).toBe(1024 * 1024);
  });

  it('builds the slab classes memcached reports in stats slabs', () => {
    const slabs = new SlabClasses(1024 * 1024);
    expect(slabs.sizes.slice(1, 8)).toEqual([96, 120, 152, 192, 240, 304, 384]);
    expect(slabs.largest).toBe(39);
    expect(slabs.sizes[39]).toBe(524288);
    expect(slabs.classOf(61)).toBe(1);
    expect(slabs.classOf(97)).toBe(2);
    expect(slabs.classOf(600_000)).toBe(39);
    expect(slabs.classOf(2 * 1024 * 1024)).toBe(0);
    expect(slabs.perPage(1)).toBe(10922);
  });
});

describe('memory limit and LRU', () => {
  let server: MemkitServer;
  let wire: Wire;
  const start = async (options: ServerOptions) => {
    server = await startServer(options);
    wire = await Wire.open(server.port);
  };
  afterEach(async () => {
    wire.close();
    await server.close();
  });

  it('evicts least recently used items to stay under -m', async () => {
    await start({ memoryLimitMb: 1 });
    const value = 'v'.repeat(20_000);
    const set = (i: number) => `set k${i} 0 0 ${value.length}\r\n${value}\r\n`;
    let batch = '';
    for (let i = 0; i < 40; i++) batch += set(i);
    await wire.send(batch);
    // Touch k0 so it is the most recently used, then push 40 more items through.
    expect(await wire.send('get k0\r\n')).toContain('VALUE k0');
    batch = '';
    for (let i = 40; i < 80; i++) batch += set(i);
    await wire.send(batch);

    const stats = server.stats();
    expect(Number(stats.bytes)).toBeLessThanOrEqual(1024 * 1024);
    expect(Number(stats.evictions)).toBeGreaterThan(20);
    expect(Number(stats.curr_items)).toBeGreaterThan(40);
    expect(await wire.send('mg k1\r\nmg k0\r\nmg k79\r\n')).toBe('EN\r\nHD\r\nHD\r\n');
    expect(await wire.send('stats reset\r\n')).toBe('RESET\r\n');
    expect(server.stats()).toMatchObject({
      evictions: 0,
      total_connections: 0,
      curr_items: stats.curr_items,
    });
  });

  it('refuses an item larger than the whole memory limit', async () => {
    await start({ memoryLimitMb: 1, maxItemSize: 2 * 1024 * 1024 });
    const size = 1_500_000;
    expect(await wire.send(`set huge 0 0 ${size}\r\n${'x'.repeat(size)}\r\n`)).toBe(
      'SERVER_ERROR out of memory storing object\r\n',
    );
    expect(server.stats().store_no_memory).toBe(1);
  });

  it('honours -I: larger values are refused and skipped, smaller ones stored', async () => {
    await start({ maxItemSize: 4096 });
    const ok = 4096 - itemTotalSize(2, 0, 0);
    expect(await wire.send(`set ok 0 0 ${ok}\r\n${'x'.repeat(ok)}\r\nmg ok s\r\n`)).toBe(
      `STORED\r\nHD s${ok}\r\n`,
    );
    expect(await wire.send(`set no 0 0 ${5000}\r\n${'x'.repeat(5000)}\r\nmn\r\n`)).toBe(
      'SERVER_ERROR object too large for cache\r\nMN\r\n',
    );
    expect(server.stats().store_too_large).toBe(1);
  });

  it('lowers the limit with cache_memlimit', async () => {
    await start({ memoryLimitMb: 64 });
    expect(await wire.send('cache_memlimit 8\r\nstats settings\r\n', { suffix: 'END\r\n' })).toContain(
      `STAT maxbytes ${8 * 1024 * 1024}\r\n`,
    );
  });
});

describe('incr/decr storage', () => {
  let server: MemkitServer;
  let wire: Wire;
  afterEach(async () => {
    wire.close();
    await server.close();
  });

  it('writes shorter results in place, space-padded, with a new CAS', async () => {
    server = await startServer();
    wire = await Wire.open(server.port);
    expect(await wire.send('set n 5 0 3\r\n100\r\ngets n\r\ndecr n 91\r\ngets n\r\n')).toBe(
      'STORED\r\nVALUE n 5 3 1\r\n100\r\nEND\r\n9\r\nVALUE n 5 3 2\r\n9  \r\nEND\r\n',
    );
    expect(await wire.send('incr n 18446744073709551615\r\nincr n 1000\r\nget n\r\n')).toBe(
      '8\r\n1008\r\nVALUE n 5 4\r\n1008\r\nEND\r\n',
    );
  });

  it('keeps values referenced by queued replies intact', async () => {
    server = await startServer();
    wire = await Wire.open(server.port);
    expect(await wire.send('set n 0 0 2\r\n10\r\nget n\r\ndecr n 5\r\nget n\r\n')).toBe(
      'STORED\r\nVALUE n 0 2\r\n10\r\nEND\r\n5\r\nVALUE n 0 2\r\n5 \r\nEND\r\n',
    );
  });
});

describe('per-class stats', () => {
  it('reports items, slabs and cachedump for the classes in use', async () => {
    const server = await startServer();
    const wire = await Wire.open(server.port);
    await wire.send(`set a 0 0 1\r\nx\r\nset b 0 0 100\r\n${'y'.repeat(100)}\r\nget a\r\n`);
    const items = await wire.send('stats items\r\n', { suffix: 'END\r\n' });
    expect(items).toContain('STAT items:1:number 1\r\n');
    expect(items).toContain('STAT items:4:number 1\r\n'); // 160 bytes: class 4 (152 < 160 <= 192)
    expect(items).toContain('STAT items:1:mem_requested 61\r\n');
    const slabs = await wire.send('stats slabs\r\n', { suffix: 'END\r\n' });
    expect(slabs).toContain('STAT 1:chunk_size 96\r\n');
    expect(slabs).toContain('STAT 1:get_hits 1\r\n');
    expect(slabs).toContain('STAT active_slabs 2\r\n');
    expect(await wire.send('stats cachedump 1 0\r\n', { suffix: 'END\r\n' })).toBe(
      'ITEM a [1 b; 0 s]\r\nEND\r\n',
    );
    wire.close();
    await server.close();
  });
});
