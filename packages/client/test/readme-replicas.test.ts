/**
 * The README's "Replicas" example, run as written (its import lines swapped
 * for the same modules): what it prints is what it says.
 */
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';
import { runReadmeExample } from './helpers/readme-example';

it('the replicas example of the README runs and prints what it says', async () => {
  const printed = await runReadmeExample('replicas', { Client, startServer });
  expect(printed[0]).toEqual([true]);
  expect(printed[1]).toEqual(['Ada']);
  // The set reached the live copy and failed on the closed server, reported by replica:failure.
  expect(printed[2]).toHaveLength(3);
  expect(printed[2]![0]).toBe('set');
  expect(printed[2]![2]).toEqual(['user:42']);
  expect(printed[3]).toEqual(['Ada Lovelace']);
  expect(printed).toHaveLength(4);
});
