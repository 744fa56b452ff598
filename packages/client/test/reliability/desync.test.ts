/**
 * Desync: pipelined mixed operations (get, getMulti, set, gets + cas, incr) across three real
 * memcacheds behind fault proxies with random faults. No call may resolve with another key's
 * value, every call settles within its timeout, and once the faults stop the client is back to
 * full speed without errors. The same workload runs longer in `pnpm soak`.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { JUNK, REQUIRED_KINDS } from './chaos';
import { type DesyncReport, formatReport, runDesync } from './workload';

const TIMEOUT = 400;
const SLACK = 350;

/** Codes a call may fail with while the network misbehaves. */
const FAULT_CODES = [
  'ERR_TIMEOUT',
  'ERR_CONNECTION_CLOSED',
  'ERR_CONNECT',
  'ERR_PROTOCOL',
  'ERR_SERVER_DEAD',
  // An injected `SERVER_ERROR …` line is a well-formed error reply: it fails the head request.
  'ERR_SERVER',
  // A getMulti whose keys span a failing and a healthy server (its `.partial` is checked too).
  'ERR_PARTIAL_FAILURE',
];

function expectSound(r: DesyncReport, minOps: number): void {
  const f = r.faults;
  expect(f.ops).toBeGreaterThanOrEqual(minOps);
  expect(f.mismatches, f.samples.join('\n')).toBe(0);
  // `corrupt` is reported, not asserted: garbage ending in CRLF that lands exactly at the end
  // of a value's data block rewrites bytes inside it, which memcached's framing (no checksums)
  // cannot reveal. Such a value still goes to its own caller; the stream then fails to parse.
  expect(f.late, `slowest call took ${f.maxSettleMs} ms`).toBe(0);
  for (const code of Object.keys(f.errors)) expect(FAULT_CODES).toContain(code);
  // The faults really happened and really hurt (the driver makes sure each required kind did).
  for (const kind of REQUIRED_KINDS) {
    expect(r.injected[kind], kind).toBeGreaterThan(0);
  }
  // A server's error counts whether it failed a single-key call or its share of a multi-key one.
  const seen = (code: string) => (f.errors[code] ?? 0) + (f.partialCauses[code] ?? 0);
  for (const code of ['ERR_PROTOCOL', 'ERR_CONNECTION_CLOSED', 'ERR_TIMEOUT']) {
    expect(seen(code), code).toBeGreaterThan(0);
  }
  for (const code of Object.keys(f.partialCauses)) expect(FAULT_CODES).toContain(code);
  // Most calls that went to a server succeeded. Calls for a server marked dead fail at once
  // (ERR_SERVER_DEAD, no I/O), so a loop issues any number of them while the server is down:
  // they are not counted here.
  expect(f.ok).toBeGreaterThan((f.ops - (f.errors.ERR_SERVER_DEAD ?? 0)) / 2);
  // Without faults: every call succeeds with its own value, before and after.
  for (const p of [r.baseline, r.recovery]) {
    expect(p.errors).toEqual({});
    expect(p.ok).toBe(p.ops);
    expect(p.mismatches + p.corrupt).toBe(0);
  }
  // Back to normal: every server alive again (bounded generously: a probe per dead server, on a
  // shared machine), and no connection leaked: at most connectionsPerServer (default 2) per
  // server, at least one. Throughput before and after is printed, not compared: on a machine
  // shared with other jobs it measures the neighbours as much as the client.
  expect(r.recoveredAfterMs).toBeLessThan(15_000);
  expect(r.openConnections).toBeGreaterThanOrEqual(3);
  expect(r.openConnections).toBeLessThanOrEqual(3 * 2);
}

describe('desync under random faults', () => {
  it('meta: 200k mixed operations, reply look-alike garbage included', async () => {
    const report = await runDesync({
      ClientClass: Client,
      faultOps: 200_000,
      seed: 7,
      timeout: TIMEOUT,
      settleSlackMs: SLACK,
    });
    console.log(formatReport('meta', report));
    expectSound(report, 200_000);
  }, 240_000);

  it('text: 40k mixed operations, junk garbage (text replies carry no opaque to check)', async () => {
    const report = await runDesync({
      ClientClass: Client,
      protocol: 'text',
      faultOps: 40_000,
      phaseOps: 8000,
      seed: 11,
      timeout: TIMEOUT,
      settleSlackMs: SLACK,
      garbage: JUNK,
    });
    console.log(formatReport('text', report));
    expectSound(report, 40_000);
  }, 180_000);
});
