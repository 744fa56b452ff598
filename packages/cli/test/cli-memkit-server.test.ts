import { type MemkitServer, startServer } from '@memkit/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memkit } from './helpers/cli';

let server: MemkitServer;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
});

describe('against @memkit/server', () => {
  it('stats shows its row, with - for figures it cannot have yet', async () => {
    const r = await memkit(['stats', '--interval', '0'], { servers: server.address });
    expect(r.code).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.includes(server.address))!;
    const cells = row.split('│').map((c) => c.trim());
    // server, version, uptime, items, memory, hits, misses, hit ratio, evictions, conns, ops/s
    expect(cells[2]).toMatch(/memkit/);
    expect(cells[8]).toBe('-'); // no gets yet: no hit ratio
    expect(cells[11]).toBe('-'); // one sample: no ops/s
  });

  it('key commands and stats --json work the same', async () => {
    expect((await memkit(['set', 'srv:k', 'v'], { servers: server.address })).code).toBe(0);
    expect((await memkit(['get', 'srv:k'], { servers: server.address })).stdout).toBe('v\n');
    expect((await memkit(['get', 'srv:none'], { servers: server.address })).code).toBe(1);
    const json = JSON.parse(
      (await memkit(['stats', '--json', '--interval', '0'], { servers: server.address })).stdout,
    );
    expect(json.servers[0]).toMatchObject({
      up: true,
      currItems: 1,
      getHits: 1,
      getMisses: 1,
      hitRatio: 0.5,
    });
  });
});
