/**
 * `meta: false`: memkit-server answers like a server without the meta
 * protocol (memcached before 1.6, many proxies): each meta command is an
 * unknown command, an `ms` data block is read as a command line, and the
 * text protocol is untouched.
 */
import { isMemkitError } from '@memkit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemkitServer, startServer } from '../src/index';
import { Wire } from './helpers/wire';

describe('meta: false', () => {
  let server: MemkitServer;
  beforeAll(async () => {
    server = await startServer({ meta: false, logger: () => {} });
  });
  afterAll(() => server.close());

  it('answers every meta command with ERROR, and an ms data block as another unknown command', async () => {
    const wire = await Wire.open(server.port);
    try {
      const reply = await wire.send(
        'mn\r\nmg k v\r\nms k 2 T0\r\nhi\r\nmd k\r\nma k\r\nme k\r\nversion\r\n',
        { suffix: 'VERSION 1.6.18-memkit\r\n' },
      );
      expect(reply).toBe(`${'ERROR\r\n'.repeat(7)}VERSION 1.6.18-memkit\r\n`);
    } finally {
      wire.close();
    }
  });

  it('serves the text protocol as usual', async () => {
    const wire = await Wire.open(server.port);
    try {
      expect(await wire.send('set a 0 0 3\r\nabc\r\n', { suffix: '\r\n' })).toBe('STORED\r\n');
      expect(await wire.send('get a\r\n', { suffix: 'END\r\n' })).toBe('VALUE a 0 3\r\nabc\r\nEND\r\n');
      expect(await wire.send('incr a 1\r\n', { suffix: '\r\n' })).toBe(
        'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
      );
    } finally {
      wire.close();
    }
  });

  it('refuses a meta option that is not a boolean', async () => {
    const err = await startServer({ meta: 'no' as unknown as boolean }).catch((e: unknown) => e);
    expect(isMemkitError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
  });
});
