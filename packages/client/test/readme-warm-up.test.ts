/**
 * The README's warm-up and shadow example, run as written (its import lines
 * swapped for the same modules): what it prints is what it says.
 */
import { startServer } from '@memkit/server';
import { expect, it } from 'vitest';
import { Client } from '../src/index';
import { runReadmeExample } from './helpers/readme-example';

it('the warm-up and shadow example of the README runs and prints what it says', async () => {
  const printed = await runReadmeExample('warm-up', { Client, startServer });
  expect(printed).toEqual([[{ name: 'Ada' }], [undefined], [1], [3]]);
});
