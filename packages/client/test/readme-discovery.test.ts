/**
 * The README's runnable local discovery example, run as written (its import
 * lines swapped for the same modules): what it prints is what it says.
 */
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';
import { runReadmeExample } from './helpers/readme-example';

it('the discovery example of the README runs and prints what it says', async () => {
  const printed = await runReadmeExample('discovery', { Client, startServer });
  expect(printed[0]![0]).toBe('topology');
  expect(printed[0]![1]).toBe(1);
  expect(printed[1]![0]).toHaveLength(1);
  expect(printed[2]).toEqual(['topology', 2, [expect.stringMatching(/^127\.0\.0\.1:\d+$/)], []]);
  expect(printed[3]![0]).toBe(2);
  expect([undefined, 'hello']).toContain(printed[3]![1]);
});
