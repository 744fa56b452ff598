/**
 * The root README's runtime table is the rendering of the matrix this suite asserts, so it
 * cannot claim more (or less) than the tests prove.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../src/paths';
import { renderRuntimeTable, TABLE_END, TABLE_START, tableIn } from '../src/readme-table';

test('README.md shows the runtime table this suite asserts', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const table = tableIn(readme);
  expect(table, `README.md lacks the ${TABLE_START} … ${TABLE_END} block`).toBeDefined();
  expect(table).toBe(renderRuntimeTable());
});
