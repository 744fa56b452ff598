/**
 * Stale and forged replies from a scripted server: a reply that belongs to an earlier request
 * (the stream shifted by one) must never be accepted by a later one. Every meta request's
 * opaque tokens must therefore be unique among the requests in flight, batches included; the
 * VALUE replies of getMulti's text `get` lines name their key, which must be one the batch
 * asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index';
import { type FakeServer, startFakeServer } from './fake-server';

let fake: FakeServer | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

/** The opaque token of the first `mg` line in `text`. */
function firstOpaque(text: string): string {
  const match = /^mg \S+ [^\r]*\bO(\S+)/m.exec(text);
  if (!match) throw new Error(`no mg line in ${JSON.stringify(text.slice(0, 200))}`);
  return match[1]!;
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('stale replies (meta)', () => {
  it("a forged END cannot make the next getMulti accept the previous batch's hits", async () => {
    let sent = '';
    fake = await startFakeServer((socket, received) => {
      if (countOf(received, '\r\n') < 2) return 0;
      sent = received;
      // Batch 1's real reply, shifted by one forged END: batch 2 now reads batch 1's hit.
      socket.write('END\r\nVALUE a 16 10\r\nvalue-of-a\r\nEND\r\n');
      return received.length;
    });
    client = new Client({ servers: [fake.address], timeout: 500 });
    const [first, second] = await Promise.allSettled([
      client.getMulti(['a', 'b']),
      client.getMulti(['c', 'd']),
    ]);
    expect(sent).toBe('get a b\r\nget c d\r\n');
    expect(first).toMatchObject({ status: 'fulfilled' });
    if (second.status === 'fulfilled') {
      expect([...second.value.values()]).not.toContain('value-of-a');
    }
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ERR_PROTOCOL' } });
  });

  it("a single get's stale reply cannot land in a getMulti batch", async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `m${i}`);
    fake = await startFakeServer((socket, received) => {
      if (countOf(received, '\r\n') < 51) return 0;
      // The get settles on a SERVER_ERROR; its real hit arrives afterwards, while the batch is head.
      const token = firstOpaque(received);
      socket.write(`SERVER_ERROR busy\r\nVA 10 f16 O${token}\r\nvalue-of-x\r\nEND\r\n`);
      return received.length;
    });
    client = new Client({ servers: [fake.address], timeout: 500 });
    const [single, multi] = await Promise.allSettled([client.get('x'), client.getMulti(keys)]);
    expect(single).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SERVER' } });
    if (multi.status === 'fulfilled') expect([...multi.value.values()]).not.toContain('value-of-x');
    expect(multi).toMatchObject({ status: 'rejected', reason: { code: 'ERR_PROTOCOL' } });
  });

  it('a VALUE naming a key of the same batch never lands under another key', async () => {
    fake = await startFakeServer((socket, received) => {
      if (countOf(received, '\r\n') < 1) return 0;
      // Out of order and with a key that was not asked for in between.
      socket.write('VALUE b 16 1\r\nB\r\nVALUE a 16 1\r\nA\r\nVALUE zz 16 1\r\nZ\r\nEND\r\n');
      return received.length;
    });
    client = new Client({ servers: [fake.address], timeout: 500 });
    await expect(client.getMulti(['a', 'b'])).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  it('a stale setMulti failure cannot mark a key of the next setMulti as not stored', async () => {
    fake = await startFakeServer((socket, received) => {
      if (countOf(received, 'mn\r\n') < 2) return 0;
      const token = /^ms \S+ [^\r]*\bO(\S+)/m.exec(received)![1]!;
      socket.write(`MN\r\nNS O${token}\r\nMN\r\n`);
      return received.length;
    });
    client = new Client({ servers: [fake.address], timeout: 500 });
    const [, second] = await Promise.allSettled([
      client.setMulti([
        ['a', 1],
        ['b', 2],
      ]),
      client.setMulti([
        ['c', 3],
        ['d', 4],
      ]),
    ]);
    // Either the desync is detected, or every key is reported failed: never a wrong "stored" split.
    if (second.status === 'fulfilled') expect(second.value).toEqual(['c', 'd']);
    else expect(second.reason).toMatchObject({ code: 'ERR_PROTOCOL' });
  });
});
