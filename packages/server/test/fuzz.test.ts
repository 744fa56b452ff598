/**
 * Fuzz test: 10,000 random and mutated command lines (seeded, so failures
 * replay) are thrown at the server over several connections, in random
 * chunk sizes, while a well-behaved connection keeps doing set/get and
 * checking every value. The server must neither crash nor ever give the
 * good connection a wrong answer.
 */
import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import { createPrng } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemkitServer, startServer } from '../src/index';
import { Wire } from './helpers/wire';

const SEED = 0x5eed;
const LINES = 10_000;
const CHAOS_CONNECTIONS = 4;
const MAX_ITEM = 64 * 1024;

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const int = (rand: Rand, max: number): number => Math.floor(rand() * max);

// flush_all and cache_memlimit are left out on purpose: they legitimately change what the
// good connection sees. Everything else goes.
const COMMANDS = [
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'get',
  'gets',
  'gat',
  'gats',
  'bget',
  'delete',
  'incr',
  'decr',
  'touch',
  'stats',
  'version',
  'verbosity',
  'mg',
  'ms',
  'md',
  'ma',
  'me',
  'mn',
  'lru_crawler',
  'slabs',
  'lru',
  'watch',
  'shutdown',
  'quit',
  'GET',
  'x',
  '',
];
const TOKENS = [
  'a',
  'n',
  'Zm9v',
  'k'.repeat(251),
  '0',
  '1',
  '5',
  '-1',
  '4294967296',
  '18446744073709551616',
  'abc',
  '+3',
  'noreply',
  'v',
  'k',
  'c',
  'q',
  'b',
  'T10',
  'N30',
  'R5',
  'Oxyz',
  'MA',
  'Mx',
  'C0',
  'D5',
  'J1',
  'I',
  'metadump',
  'all',
  'items',
  'settings',
  'slabs',
  'cachedump',
  '\t',
  '\0',
];
const VALID = [
  'set a 0 0 5\r\nhello\r\n',
  'get a b\r\n',
  'gets a\r\n',
  'incr n 1\r\n',
  'ms a 3 T10 c\r\nabc\r\n',
  'mg a v k c t f s h l\r\n',
  'md a q\r\n',
  'ma n N0 J5 v\r\n',
  'me a\r\n',
  'lru_crawler metadump all\r\n',
  'stats items\r\n',
  'cas a 0 0 1 1\r\nx\r\n',
  'touch a 10\r\n',
  'gat 10 a\r\n',
];

function grammarLine(rand: Rand): string {
  const words = [pick(rand, COMMANDS)];
  for (let i = int(rand, 7); i > 0; i--) words.push(pick(rand, TOKENS));
  let line = `${words.join(' ')}\r\n`;
  if (rand() < 0.3) {
    const n = int(rand, 6);
    line += `${'v'.repeat(n)}${rand() < 0.8 ? '\r\n' : 'zz\r\n'}`;
  }
  return line;
}

function mutate(rand: Rand, text: string): string {
  const bytes = [...Buffer.from(text, 'latin1')];
  for (let m = 1 + int(rand, 3); m > 0; m--) {
    const at = int(rand, bytes.length + 1);
    const r = rand();
    if (r < 0.3) bytes[at] = int(rand, 256);
    else if (r < 0.55) bytes.splice(at, 1);
    else if (r < 0.8) bytes.splice(at, 0, pick(rand, [0, 10, 13, 32, 0x80, 0xff, int(rand, 256)]));
    else bytes.splice(at, bytes.length);
  }
  return Buffer.from(bytes).toString('latin1');
}

function chaosLine(rand: Rand): string {
  const r = rand();
  if (r < 0.45) return grammarLine(rand);
  if (r < 0.8) return mutate(rand, pick(rand, VALID));
  if (r < 0.99) {
    return Buffer.from(Array.from({ length: int(rand, 80) }, () => int(rand, 256))).toString('latin1');
  }
  // Rare heavy hitters: a runaway line (the server closes the connection), a big value
  // (stored, or refused as too large and skipped), or a big value cut short.
  const kind = rand();
  if (kind < 0.4) return 'x'.repeat(3000);
  const size = int(rand, 2 * MAX_ITEM);
  if (kind < 0.95) return `set big 0 0 ${size}\r\n${'y'.repeat(size)}\r\n`;
  return `set big 0 0 ${size}\r\n${'y'.repeat(int(rand, 100))}`;
}

/** Writes `lines` in random chunks, reconnecting whenever the server closes the connection. */
async function chaos(port: number, rand: Rand, lines: string[]): Promise<number> {
  let socket: Socket | undefined;
  let reconnects = 0;
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.on('data', () => {});
      s.on('error', () => {});
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  const payload = Buffer.from(lines.join(''), 'latin1');
  let off = 0;
  while (off < payload.length) {
    if (socket === undefined || socket.destroyed || socket.writableEnded || !socket.writable) {
      socket?.destroy();
      socket = await open();
      reconnects++;
    }
    const n = 1 + int(rand, 700);
    const ok = socket.write(payload.subarray(off, off + n));
    off += n;
    if (!ok) await new Promise((resolve) => socket!.once('drain', resolve).once('close', resolve));
    if (rand() < 0.05) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket?.destroy();
  return reconnects;
}

describe('fuzzing the server', () => {
  let server: MemkitServer;
  beforeAll(async () => {
    server = await startServer({ maxItemSize: MAX_ITEM, logger: () => {} });
  });
  afterAll(() => server.close());

  it('survives 10k hostile lines while a good connection keeps getting correct answers', async () => {
    const rand = createPrng(SEED);
    const lines = Array.from({ length: LINES }, () => chaosLine(rand));
    const perConn = Math.ceil(LINES / CHAOS_CONNECTIONS);

    const good = await Wire.open(server.port);
    let stop = false;
    let rounds = 0;
    const goodLoop = (async () => {
      const grand = createPrng(SEED + 1);
      while (!stop) {
        const key = `good:${rounds}`;
        const value = Buffer.from(
          Array.from({ length: 1 + int(grand, 300) }, () => int(grand, 256)),
        ).toString('latin1');
        const reply = await good.send(`set ${key} 7 0 ${value.length}\r\n${value}\r\nget ${key}\r\n`);
        expect(reply).toBe(`STORED\r\nVALUE ${key} 7 ${value.length}\r\n${value}\r\nEND\r\n`);
        rounds++;
      }
    })();

    const reconnects = await Promise.all(
      Array.from({ length: CHAOS_CONNECTIONS }, (_, i) =>
        chaos(server.port, createPrng(SEED + 10 + i), lines.slice(i * perConn, (i + 1) * perConn)),
      ),
    );
    stop = true;
    await goodLoop;

    expect(rounds).toBeGreaterThan(20);
    // Runaway lines and quits did close chaos connections, so reconnects happened.
    expect(reconnects.reduce((a, b) => a + b, 0)).toBeGreaterThan(CHAOS_CONNECTIONS);
    expect(await good.send('version\r\n')).toMatch(/^VERSION /);
    good.close();
    const stats = server.stats();
    // Connections the server closed lose what was in flight, but most bytes got through.
    const payload = lines.reduce((n, l) => n + l.length, 0);
    expect(Number(stats.bytes_read)).toBeGreaterThan(payload / 4);
    expect(Number(stats.total_connections)).toBeGreaterThan(CHAOS_CONNECTIONS * 2);
    expect(Number(stats.cmd_set)).toBeGreaterThan(rounds);
  });
});
