/**
 * The README's near-cache example, run as written (its import lines swapped
 * for the same modules): what it prints is what it says.
 */
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';
import { runReadmeExample } from './helpers/readme-example';

it('the near-cache example of the README runs and prints what it says', async () => {
  const printed = await runReadmeExample('near-cache', { Client, startServer });
  expect(printed).toEqual([[{ beta: true }], [1, 2, 1]]);
});
