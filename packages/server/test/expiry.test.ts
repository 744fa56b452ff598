/**
 * Time-dependent behaviour with a controlled clock: relative and absolute
 * (> 30 days) exptimes, negative exptimes, touch/gat/mg T, delayed
 * flush_all, and the times reported by mg/me/metadump.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MemkitServer, startServer } from '../src/index';
import { Wire } from './helpers/wire';

const START = Date.UTC(2030, 0, 1) / 1000;
let nowSeconds = START;
let server: MemkitServer;
let wire: Wire;

beforeEach(async () => {
  nowSeconds = START;
  server = await startServer({ now: () => nowSeconds * 1000 + 500 });
  wire = await Wire.open(server.port);
});
afterEach(async () => {
  wire.close();
  await server.close();
});

const advance = (seconds: number) => {
  nowSeconds += seconds;
};

describe('expiration', () => {
  it('expires relative exptimes at the deadline', async () => {
    expect(await wire.send('set a 0 10 1\r\nx\r\nmg a t\r\n')).toBe('STORED\r\nHD t10\r\n');
    advance(9);
    expect(await wire.send('get a\r\n')).toBe('VALUE a 0 1\r\nx\r\nEND\r\n');
    advance(1);
    expect(await wire.send('get a\r\n')).toBe('END\r\n');
    expect(server.stats().get_expired).toBe(1);
  });

  it('treats exptimes over 30 days as absolute Unix times', async () => {
    expect(await wire.send(`set a 0 ${START + 100} 1\r\nx\r\nmg a t\r\n`)).toBe('STORED\r\nHD t100\r\n');
    expect(await wire.send(`set past 0 ${START - 100} 1\r\nx\r\nget past\r\n`)).toBe('STORED\r\nEND\r\n');
    expect(await wire.send('set edge 0 2592000 1\r\nx\r\nmg edge t\r\n')).toBe('STORED\r\nHD t2592000\r\n');
    advance(100);
    expect(await wire.send('get a\r\n')).toBe('END\r\n');
  });

  it('expires negative exptimes immediately and never expires 0', async () => {
    expect(await wire.send('set a 0 -1 1\r\nx\r\nget a\r\nset b 0 0 1\r\ny\r\nmg b t\r\n')).toBe(
      'STORED\r\nEND\r\nSTORED\r\nHD t-1\r\n',
    );
    advance(10 * 365 * 86400);
    expect(await wire.send('get b\r\n')).toBe('VALUE b 0 1\r\ny\r\nEND\r\n');
  });

  it('updates TTLs with touch, gat and mg T', async () => {
    await wire.send('set a 0 5 1\r\nx\r\n');
    expect(await wire.send('touch a 100\r\nmg a t\r\n')).toBe('TOUCHED\r\nHD t100\r\n');
    expect(await wire.send('gat 50 a\r\nmg a t\r\n')).toBe('VALUE a 0 1\r\nx\r\nEND\r\nHD t50\r\n');
    expect(await wire.send('mg a T7 t\r\n')).toBe('HD t7\r\n');
    advance(7);
    expect(await wire.send('mg a\r\n')).toBe('EN\r\n');
  });

  it('wins a recache token when the remaining TTL drops below R', async () => {
    await wire.send('ms a 1 T100\r\nx\r\n');
    expect(await wire.send('mg a R30 t\r\n')).toBe('HD t100\r\n');
    advance(80);
    expect(await wire.send('mg a R30 t\r\nmg a R30 t\r\n')).toBe('HD t20 W\r\nHD t20 Z\r\n');
  });
});

describe('flush_all with a delay', () => {
  it('keeps items until the deadline, then drops those stored before it', async () => {
    await wire.send('set a 0 0 1\r\nx\r\n');
    expect(await wire.send('flush_all 10\r\nget a\r\n')).toBe('OK\r\nVALUE a 0 1\r\nx\r\nEND\r\n');
    advance(9);
    expect(await wire.send('get a\r\n')).toBe('END\r\n');
    advance(1);
    expect(await wire.send('set b 0 0 1\r\ny\r\nget a b\r\n')).toBe('STORED\r\nVALUE b 0 1\r\ny\r\nEND\r\n');
    expect(server.stats().get_flushed).toBe(1);
  });

  it('drops everything at once without a delay', async () => {
    await wire.send('set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\n');
    expect(server.stats().curr_items).toBe(2);
    expect(await wire.send('flush_all\r\nget a b\r\n')).toBe('OK\r\nEND\r\n');
    expect(server.stats()).toMatchObject({ curr_items: 0, bytes: 0, cmd_flush: 1 });
  });
});

describe('reported times', () => {
  it('reports last access and expiry in mg, me and metadump', async () => {
    await wire.send('set a 3 100 1\r\nx\r\n');
    advance(5);
    expect(await wire.send('mg a l h t\r\nmg a l h\r\n')).toBe('HD l5 h0 t95\r\nHD l0 h1\r\n');
    advance(2);
    expect(await wire.send('me a\r\n')).toBe('ME a exp=-93 la=2 cas=1 fetch=yes cls=1 size=65\r\n');
    expect(await wire.send('lru_crawler metadump all\r\n', { suffix: 'END\r\n' })).toBe(
      `key=a exp=${START + 100} la=${START + 5} cas=1 fetch=yes cls=1 size=65\nEND\r\n`,
    );
  });
});

describe('advanceClock', () => {
  it('moves the clock forward on top of the now option: expiry, delayed flush_all, mg t', async () => {
    expect(await wire.send('set a 0 10 1\r\nx\r\nflush_all 20\r\nset b 0 0 1\r\ny\r\n')).toBe(
      'STORED\r\nOK\r\nSTORED\r\n',
    );
    server.advanceClock(4);
    expect(await wire.send('mg a t\r\n')).toBe('HD t6\r\n');
    server.advanceClock(6);
    expect(await wire.send('get a\r\n')).toBe('END\r\n');
    expect(await wire.send('get b\r\n')).toBe('VALUE b 0 1\r\ny\r\nEND\r\n');
    // Both clocks add up: the now option's and advanceClock's.
    advance(5);
    server.advanceClock(5);
    expect(await wire.send('get b\r\n')).toBe('END\r\n');
  });

  it('refuses to go back or to move by a non-number', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => server.advanceClock(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });
});
