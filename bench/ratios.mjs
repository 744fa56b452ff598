// Prints every performance target (lib/targets.mjs) from one or more result
// files of run.mjs (medians over every run in them), as the Markdown table
// that goes into RESULTS.md.
//
//   node ratios.mjs results/bench-<timestamp>.json [more.json ...]
import { readFileSync } from 'node:fs';
import { targets, targetsMarkdown } from './lib/targets.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node ratios.mjs results/bench-*.json');
  process.exit(2);
}
const runs = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).runs);
console.log(`Medians over ${runs.length} run(s) from ${files.join(', ')}\n`);
console.log(targetsMarkdown(targets(runs)));
