/**
 * The README's runnable local discovery example, run as written (its import
 * lines swapped for the same modules): what it prints is what it says.
 */
import { readFileSync } from 'node:fs';
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it('the discovery example of the README runs and prints what it says', async () => {
  const marker = README.indexOf('<!-- example:discovery -->');
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
  expect(printed[0]![0]).toBe('topology');
  expect(printed[0]![1]).toBe(1);
  expect(printed[1]![0]).toHaveLength(1);
  expect(printed[2]).toEqual(['topology', 2, [expect.stringMatching(/^127\.0\.0\.1:\d+$/)], []]);
  expect(printed[3]![0]).toBe(2);
  expect([undefined, 'hello']).toContain(printed[3]![1]);
});
