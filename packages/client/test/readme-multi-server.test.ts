/**
 * The README's "Calls that touch several servers" table, checked against the
 * client: every row's call runs with both servers up, with 1 of 2 servers
 * down and with both down, and must do what its cells say (resolve or reject,
 * with which code, what `.partial` holds). The table must list exactly the
 * calls that fan out over the servers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getFreePort, type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, isPartialFailure, MemkitError, type ServerResult } from '../src/index';

/** Every Client method that touches several servers, and how the test calls it. */
const CALLS: Record<string, (client: Client, keys: string[]) => Promise<unknown>> = {
  stats: (c) => c.stats(),
  version: (c) => c.version(),
  flushAll: (c) => c.flushAll(),
  metadump: (c) => c.metadump(),
  getMulti: (c, keys) => c.getMulti(keys),
  getsMulti: (c, keys) => c.getsMulti(keys),
  setMulti: (c, keys) => c.setMulti(keys.map((k) => [k, 1] as const)),
  deleteMulti: (c, keys) => c.deleteMulti(keys),
};

interface Row {
  call: string;
  resolves: string;
  some: string;
  all: string;
}

/** The table's rows, from the README as shipped. */
function readTable(): Row[] {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### Calls that touch several servers');
  expect(start, 'the README section').toBeGreaterThan(0);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| call |'));
  const rows: Row[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim());
    expect(cells, line).toHaveLength(4);
    const call = /^`(\w+)\(/.exec(cells[0]!)?.[1];
    expect(call, line).toBeDefined();
    rows.push({ call: call!, resolves: cells[1]!, some: cells[2]!, all: cells[3]! });
  }
  return rows;
}

/** The error codes a cell names, in order. */
function codes(cell: string): string[] {
  return [...cell.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1]!);
}

type Outcome = { resolved: true; value: unknown } | { resolved: false; error: MemkitError };

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { resolved: true, value: await p };
  } catch (err) {
    expect(err).toBeInstanceOf(MemkitError);
    return { resolved: false, error: err as MemkitError };
  }
}

/** What the "resolves with" cell says the value is. */
function expectShape(row: Row, value: unknown, servers: string[]): void {
  if (row.resolves.includes('ServerResult<')) {
    expect((value as ServerResult<unknown>[]).map((r) => r.server)).toEqual(servers);
  } else if (row.resolves.includes('`Map`')) {
    expect(value).toBeInstanceOf(Map);
  } else {
    expect(row.resolves).toContain('`string[]`');
    expect(Array.isArray(value) && value.every((k) => typeof k === 'string')).toBe(true);
  }
}

/** Checks an outcome against a "some fail" or "every server fails" cell. */
function expectCell(
  row: Row,
  cell: string,
  got: Outcome,
  ctx: { servers: string[]; downs: string[]; firstKeyServer: string },
): void {
  if (cell.startsWith('resolves')) {
    expect(got.resolved, `${row.call}: ${cell}`).toBe(true);
    if (!got.resolved) return;
    expectShape(row, got.value, ctx.servers);
    const results = got.value as ServerResult<unknown>[];
    for (const r of results) expect(r.ok, r.server).toBe(!ctx.downs.includes(r.server));
    if (cell.includes('every entry `ok: false`')) expect(results.every((r) => !r.ok)).toBe(true);
    if (cell.includes('`{ server, ok: false, error }`')) {
      for (const r of results.filter((x) => !x.ok))
        expect(r.ok === false && r.error.code).toBe('ERR_CONNECT');
    }
    return;
  }
  expect(cell, row.call).toMatch(/^rejects/);
  expect(got.resolved, `${row.call}: ${cell}`).toBe(false);
  if (got.resolved) return;
  const named = codes(cell);
  if (cell.startsWith('rejects `ERR_PARTIAL_FAILURE`')) {
    expect(got.error.code).toBe('ERR_PARTIAL_FAILURE');
    expect(isPartialFailure(got.error)).toBe(true);
    if (!isPartialFailure(got.error)) return;
    expectShape(row, got.error.partial, ctx.servers);
    expect(got.error.failures.map((f) => f.server)).toEqual(ctx.downs);
    return;
  }
  // "with the error of the first key's server": one of the codes named, from that server.
  expect(cell).toContain("the error of the first key's server");
  expect(named).toContain(got.error.code);
  expect(got.error.code).toBe('ERR_CONNECT');
  expect(got.error.server).toBe(ctx.firstKeyServer);
}

let live: MemcachedInstance[];
let downs: string[];
const rows = readTable();

beforeAll(async () => {
  live = await startMemcachedCluster(2);
  downs = [`127.0.0.1:${await getFreePort()}`, `127.0.0.1:${await getFreePort()}`];
});
afterAll(() => stopAll(live));

/** A client over `servers`; never marks a server dead, so a down server's keys stay its own. */
async function withClient(servers: string[], fn: (client: Client, keys: string[]) => Promise<void>) {
  const client = new Client({ servers, failureThreshold: 1_000_000, timeout: 5000, connectTimeout: 5000 });
  try {
    const keys = Array.from({ length: 40 }, (_, i) => `table:${i}`);
    // Both servers hold some of the keys.
    expect(new Set(keys.map((k) => client.serverFor(k))).size).toBe(2);
    await fn(client, keys);
  } finally {
    await client.close();
  }
}

describe('README: calls that touch several servers', () => {
  it('lists exactly the calls that fan out, each once', () => {
    expect(rows.map((r) => r.call).sort()).toEqual(Object.keys(CALLS).sort());
  });

  describe.each(rows)('$call', (row) => {
    const call = CALLS[row.call]!;

    it('every server up: resolves with what the table says', async () => {
      const servers = live.map((s) => s.address);
      await withClient(servers, async (client, keys) => {
        const got = await outcome(call(client, keys));
        expect(got.resolved).toBe(true);
        if (got.resolved) expectShape(row, got.value, servers);
      });
    });

    it('1 of 2 servers down', async () => {
      for (const servers of [
        [live[0]!.address, downs[0]!],
        [downs[0]!, live[0]!.address],
      ]) {
        await withClient(servers, async (client, keys) => {
          await client.setMulti(keys.map((k) => [k, 'x'] as const)).catch(() => undefined);
          const got = await outcome(call(client, keys));
          expectCell(row, row.some, got, {
            servers,
            downs: [downs[0]!],
            firstKeyServer: client.serverFor(keys[0]!),
          });
        });
      }
    });

    it('every server down', async () => {
      await withClient(downs, async (client, keys) => {
        const got = await outcome(call(client, keys));
        expectCell(row, row.all, got, { servers: downs, downs, firstKeyServer: client.serverFor(keys[0]!) });
      });
    });
  });
});
