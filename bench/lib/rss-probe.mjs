// Peak memory of ONE large get, in a fresh process: what "copies of the value"
// in workloads n and o means. The worker runs this file as a child process
// (`probeRss()`), because in a long-lived process the allocator reuses memory
// freed by earlier phases and would hide copies.
//
// In the child: create the client, make one small get (so the socket is up
// and the get path is compiled), collect garbage, take the resident set size
// as the baseline, reset the kernel's peak-RSS mark (/proc/self/clear_refs),
// get the large value once, and read the peak (VmHWM). copies = (peak −
// baseline) / value size. The value the call returns is one of them: a client
// that keeps nothing else alive at its peak scores 1.0. The expected value
// (built before the baseline) is compared after the peak has been read.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeValue, makeValue } from './data.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Run one probe in a fresh process under the same Node.
 * @returns {Promise<{ok: boolean, copies?: number, deltaBytes?: number, problem?: string}>}
 */
export function probeRss({ adapter, server, prefix, size, index, maxValueSize, timeoutMs = 60_000 }) {
  const args = [
    '--expose-gc',
    fileURLToPath(import.meta.url),
    ...['--adapter', adapter, '--server', server, '--prefix', prefix],
    ...['--size', String(size), '--index', String(index), '--max-value-size', String(maxValueSize)],
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: path.dirname(HERE),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        resolve({
          ok: false,
          problem: `probe exited ${code ?? sig}: ${err.trim().split('\n').slice(-3).join(' ')}`,
        });
      }
    });
  });
}

const status = () => readFileSync('/proc/self/status', 'utf8');
const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status())?.[1]) * 1024;

async function main() {
  const { values: a } = parseArgs({
    options: {
      adapter: { type: 'string' },
      server: { type: 'string' },
      prefix: { type: 'string' },
      size: { type: 'string' },
      index: { type: 'string' },
      'max-value-size': { type: 'string' },
    },
  });
  const size = Number(a.size);
  const i = Number(a.index);
  const key = `${a.prefix}:${size}:${i}`;
  const expected = makeValue(`v${size}`, i, size);
  const expectedBuf = Buffer.from(expected, 'latin1');
  const mod = await import(pathToFileURL(path.resolve(a.adapter)).href);
  const c = await mod.create([a.server], { maxValueSize: Number(a['max-value-size']) });
  await c.get(`${a.prefix}:probe:miss`);
  globalThis.gc();
  globalThis.gc();
  const baseline = kb('VmRSS');
  let method = 'VmHWM after clear_refs';
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  } catch {
    method = 'sampled VmRSS every 1 ms (clear_refs not writable)';
  }
  let sampled = baseline;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 1);
  const value = await c.get(key);
  clearInterval(sampler);
  const peak = method.startsWith('VmHWM') ? Math.max(kb('VmHWM'), sampled) : sampled;
  const ok =
    typeof value === 'string' ? value === expected : value instanceof Uint8Array && expectedBuf.equals(value);
  await c.close();
  const delta = peak - baseline;
  console.log(
    JSON.stringify({
      ok,
      ...(ok ? {} : { problem: `get ${key} -> ${describeValue(value)}` }),
      baselineBytes: baseline,
      peakBytes: peak,
      deltaBytes: delta,
      copies: Math.round((delta / size) * 100) / 100,
      method,
    }),
  );
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.log(JSON.stringify({ ok: false, problem: `probe failed: ${e?.stack || e}` }));
    process.exit(1);
  });
}
