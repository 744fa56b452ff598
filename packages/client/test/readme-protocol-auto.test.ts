/**
 * The README's `protocol: 'auto'` example, run as written (its import lines
 * swapped for the same modules): what it prints is what it says.
 */
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';
import { runReadmeExample } from './helpers/readme-example';

it("the protocol: 'auto' example of the README runs and prints what it says", async () => {
  const printed = await runReadmeExample('protocol-auto', { Client, startServer });
  expect(printed).toHaveLength(3);
  const said = printed.slice(0, 2).map(([server, protocol, reason]) => ({ server, protocol, reason }));
  expect(said.map((s) => s.protocol).sort()).toEqual(['meta', 'text']);
  expect(said.find((s) => s.protocol === 'text')!.reason).toBe('answered mn with ERROR (no meta protocol)');
  expect(printed[2]).toEqual([
    new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]),
  ]);
});
