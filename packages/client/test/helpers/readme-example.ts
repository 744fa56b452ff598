/**
 * Runs a runnable example of the README as written: the ```ts block after
 * `<!-- example:NAME -->`, its import lines dropped and the names they
 * imported passed in instead; returns what it printed with `console.log`.
 */
import { readFileSync } from 'node:fs';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

export async function runReadmeExample(name: string, imports: Record<string, unknown>): Promise<unknown[][]> {
  const marker = README.indexOf(`<!-- example:${name} -->`);
  if (marker < 0) throw new Error(`README has no example ${name}`);
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(marker))![1]!;
  const body = block
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n');
  const printed: unknown[][] = [];
  const console = { log: (...args: unknown[]) => printed.push(args) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const names = Object.keys(imports);
  await new AsyncFunction(...names, 'console', body)(...names.map((n) => imports[n]), console);
  return printed;
}
