/**
 * The runtime/feature table of the root README, rendered from the matrix's expectations. The
 * README test compares the README with this rendering, so the table cannot drift from what the
 * consumer test asserts.
 */
import {
  expectation,
  FEATURE_LABELS,
  FEATURES,
  type Feature,
  FORMATS,
  featureOf,
  PROJECT_SCENARIOS,
} from './matrix';
import { PROJECTS } from './projects';
import { RUNTIME_LABELS, RUNTIME_VERSIONS, RUNTIMES, type RuntimeName } from './runtimes';

export const TABLE_START =
  '<!-- consumer-table:start (generated from packages/consumer-tests/src/matrix.ts) -->';
export const TABLE_END = '<!-- consumer-table:end -->';

function cell(feature: Feature, runtime: RuntimeName): string {
  let passes = 0;
  const notes = new Set<string>();
  const partials = new Set<string>();
  const known = new Map<string, string>();
  for (const project of PROJECTS) {
    for (const scenario of PROJECT_SCENARIOS[project]) {
      if (featureOf(project, scenario) !== feature) continue;
      for (const format of FORMATS) {
        const e = expectation(runtime, project, format, scenario);
        if (e.kind === 'pass') passes++;
        else if (e.kind === 'unsupported') {
          notes.add(e.unsupported.note);
          if (e.unsupported.partial !== undefined) partials.add(e.unsupported.partial);
        } else known.set(e.failure.issue, e.failure.summary);
      }
    }
  }
  if (known.size > 0) {
    return [...known].map(([issue, summary]) => `⚠️ ${summary} ([issue](${issue}))`).join('; ');
  }
  if (passes === 0) return `— ${[...notes].join('; ')}`;
  return partials.size > 0 ? `✅ (${[...partials].join('; ')})` : '✅';
}

/** The table, between its markers. */
export function renderRuntimeTable(): string {
  const header = `| | ${RUNTIMES.map((r) => RUNTIME_LABELS[r]).join(' | ')} |`;
  const rule = `|---|${RUNTIMES.map(() => '---').join('|')}|`;
  const rows = FEATURES.map(
    (f) => `| ${FEATURE_LABELS[f]} | ${RUNTIMES.map((r) => cell(f, r)).join(' | ')} |`,
  );
  const versions =
    `Runtimes: Node 20 is the machine's (\`${RUNTIME_VERSIONS.node20}\` from npm when the machine has another major), ` +
    `Node ${RUNTIME_VERSIONS.node22} and ${RUNTIME_VERSIONS.node24} from npm's \`node\` package, ` +
    `Bun ${RUNTIME_VERSIONS.bun} (\`bun\`) and Deno ${RUNTIME_VERSIONS.deno} (\`deno\`).`;
  return [TABLE_START, header, rule, ...rows, '', versions, TABLE_END].join('\n');
}

/** The table inside `readme`, or undefined when the markers are missing. */
export function tableIn(readme: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start, end + TABLE_END.length);
}
