/**
 * The README's `protocol: 'auto'` example, run as written (its import lines
 * swapped for the same modules): what it prints is what it says.
 */
import { readFileSync } from 'node:fs';
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it("the protocol: 'auto' example of the README runs and prints what it says", async () => {
  const marker = README.indexOf('<!-- example:protocol-auto -->');
  expect(marker).toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(marker))![1]!;
  const body = block
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n');
  const printed: unknown[][] = [];
  const console = { log: (...args: unknown[]) => printed.push(args) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction('Client', 'startServer', 'console', body)(Client, startServer, console);
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
