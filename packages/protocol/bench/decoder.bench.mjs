// Decoder throughput: @memkit/protocol's ReplyDecoder against the npm
// `memcache-parser` (the parser of memcache-client), on the same bytes in the
// same process. Runs on the built dist: `pnpm --filter @memkit/protocol bench`.
//
// Each row is a stream of get responses cut into chunks as a socket would
// deliver them. Both parsers are driven the way their clients drive them and
// must count the same values and responses, or the row fails.
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import os from 'node:os';
import { ReplyDecoder } from '../dist/index.js';

const require = createRequire(import.meta.url);
const { MemcacheParser } = require('memcache-parser');

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const STREAM_BYTES = 8 * 1024 * 1024;

/** Deterministic PRNG so every run cuts the odd chunks the same way. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(size, seed) {
  const v = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) v[i] = 0x61 + ((i + seed) % 26);
  return v;
}

/** A stream of get responses: `keysPerResponse` VALUE blocks then END, repeated up to ~8 MiB. */
function responses(valueSize, keysPerResponse) {
  const parts = [];
  let bytes = 0;
  let n = 0;
  let values = 0;
  while (bytes < STREAM_BYTES) {
    for (let k = 0; k < keysPerResponse; k++) {
      const header = Buffer.from(
        `VALUE user:${String(n).padStart(8, '0')}:${k} 0 ${valueSize}\r\n`,
        'latin1',
      );
      parts.push(header, value(valueSize, n + k), Buffer.from('\r\n'));
      bytes += header.length + valueSize + 2;
      values++;
    }
    parts.push(Buffer.from('END\r\n'));
    bytes += 5;
    n++;
  }
  return { stream: Buffer.concat(parts), responses: n, values };
}

function cut(stream, sizeOf) {
  const chunks = [];
  for (let pos = 0; pos < stream.length; ) {
    const size = sizeOf();
    // Copy, as sockets hand out fresh buffers: views of one big buffer would flatter both parsers' caches.
    chunks.push(Buffer.from(stream.subarray(pos, pos + size)));
    pos += size;
  }
  return chunks;
}

function runMemkit(chunks) {
  const d = new ReplyDecoder();
  let values = 0;
  let ends = 0;
  let bytes = 0;
  const onReply = (r) => {
    if (r.type === 'VALUE') {
      values++;
      bytes += r.value.length;
    } else if (r.type === 'END') ends++;
  };
  for (let i = 0; i < chunks.length; i++) d.feed(chunks[i], onReply);
  return { values, ends, bytes };
}

const nullLogger = { error() {}, debug() {}, info() {}, warn() {} };

/** Driven like memcache-client's Connection: VALUE starts a pending data block, END ends a response. */
class CountingParser extends MemcacheParser {
  constructor() {
    super(nullLogger);
    this.values = 0;
    this.ends = 0;
    this.bytes = 0;
  }
  processCmd(tokens) {
    if (tokens[0] === 'VALUE') this.initiatePending(tokens, +tokens[3]);
    else if (tokens[0] === 'END') this.ends++;
    return 1;
  }
  receiveResult(pending) {
    this.values++;
    this.bytes += pending.data.length;
  }
}

function runMemcacheParser(chunks) {
  const p = new CountingParser();
  for (let i = 0; i < chunks.length; i++) p.onData(chunks[i]);
  return { values: p.values, ends: p.ends, bytes: p.bytes };
}

/** Runs `fn(chunks)` repeatedly for ROUND_MS; returns passes per second. */
function measure(fn, chunks) {
  const start = process.hrtime.bigint();
  let passes = 0;
  let elapsed = 0;
  do {
    fn(chunks);
    passes++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsed < ROUND_MS);
  return (passes * 1000) / elapsed;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [
  { name: '100 B values, get hit (VALUE + END), 64 KiB chunks', size: 100, keys: 1, chunk: () => 65536 },
  { name: '10 KB values, get hit, 64 KiB chunks', size: 10240, keys: 1, chunk: () => 65536 },
  {
    name: '100-key multi-get (100 x 100 B VALUE + END), 64 KiB chunks',
    size: 100,
    keys: 100,
    chunk: () => 65536,
  },
  {
    name: '100 B values, get hit, odd chunks (1..4096 B, random)',
    size: 100,
    keys: 1,
    chunk: (() => {
      const rnd = mulberry32(42);
      return () => 1 + Math.floor(rnd() * 4096);
    })(),
  },
];

const results = [];
for (const row of rows) {
  const { stream, responses: nResponses, values } = responses(row.size, row.keys);
  const chunks = cut(stream, row.chunk);
  const a = runMemkit(chunks);
  const b = runMemcacheParser(chunks);
  for (const r of [a, b]) {
    if (r.values !== values || r.ends !== nResponses || r.bytes !== values * row.size) {
      throw new Error(
        `${row.name}: wrong counts ${JSON.stringify(r)}; expected ${values} values, ${nResponses} END`,
      );
    }
  }
  // Warm up both, then alternate rounds so drift hits both alike.
  measure(runMemkit, chunks);
  measure(runMemcacheParser, chunks);
  const memkit = [];
  const parser = [];
  for (let i = 0; i < ROUNDS; i++) {
    memkit.push(measure(runMemkit, chunks));
    parser.push(measure(runMemcacheParser, chunks));
  }
  const m = median(memkit);
  const p = median(parser);
  results.push({
    row: row.name,
    mbps: [(m * stream.length) / 1e6, (p * stream.length) / 1e6],
    rps: [m * nResponses, p * nResponses],
    ratio: m / p,
  });
}

const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Machine: ${cpu}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}, Node ${process.version}`,
);
console.log(
  `memcache-parser ${require('memcache-parser/package.json').version}; median of ${ROUNDS} rounds of ${ROUND_MS} ms each; ~8 MiB per stream\n`,
);
console.log(
  '| workload | memkit MB/s | memcache-parser MB/s | memkit responses/s | memcache-parser responses/s | ratio |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.row} | ${fmt(r.mbps[0])} | ${fmt(r.mbps[1])} | ${fmt(r.rps[0])} | ${fmt(r.rps[1])} | ${fmt(r.ratio, 2)}x |`,
  );
}
const worst = Math.min(...results.map((r) => r.ratio));
console.log(`\nslowest row: ${fmt(worst, 2)}x memcache-parser (target >= 2x)`);
