/**
 * Conformance: libmemcached's `memccapable -a` (every ASCII test) must pass
 * against an in-process memkit-server, with zero failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemkitServer, startServer } from '../src/index';
import { runMemccapable } from './helpers/memccapable';

describe('memccapable -a against the in-process server', () => {
  let server: MemkitServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('passes every ASCII test', async () => {
    const report = await runMemccapable(server.host, server.port);
    expect(report.results.size, report.output).toBeGreaterThanOrEqual(27);
    const failed = [...report.results].filter(([, verdict]) => verdict !== 'pass');
    expect(failed, report.output).toEqual([]);
    expect(report.output).toContain('All tests passed');
    expect(report.code).toBe(0);
  });
});
