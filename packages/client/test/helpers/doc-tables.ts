/**
 * Generates the parts of the docs that come from code: the `ClientOptions`
 * interface (with its TSDoc) and the README's option table from the option
 * table, and the README's error table from `MEMKIT_ERROR_CODES`. Each goes
 * between markers in its file; `regenerate` returns the files as they should
 * be, the test compares, and `pnpm --filter @memkit/client docs:tables`
 * writes them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMKIT_ERROR_CODES } from '@memkit/protocol';
import { CLIENT_OPTIONS, OPTION_NAMES, type OptionDescriptor } from '../../src/option-table';

const PACKAGE = join(import.meta.dirname, '..', '..');

/** The files with generated sections, relative to the package. */
export const GENERATED_FILES = ['README.md', 'src/options.ts'] as const;

const UNIT_TEXT = { ms: ' ms', seconds: ' s', bytes: ' bytes' } as const;

function defaultText(d: OptionDescriptor<unknown>): string {
  if (d.defaultText !== undefined) return d.defaultText;
  const v = d.default;
  const text = typeof v === 'string' ? `\`'${v}'\`` : `\`${JSON.stringify(v)}\``;
  return d.unit ? `${text}${UNIT_TEXT[d.unit]}` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function optionTable(): string {
  const rows = OPTION_NAMES.map((name) => {
    const d = CLIENT_OPTIONS[name] as OptionDescriptor<unknown>;
    const doc = d.deprecated ? `**Deprecated**, use \`${d.deprecated}\`. ${d.doc}` : d.doc;
    return `| \`${name}\` | ${cell(defaultText(d))} | ${cell(doc)} |`;
  });
  return ['| option | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function errorTable(): string {
  const rows = Object.entries(MEMKIT_ERROR_CODES).map(([code, when]) => `| \`${code}\` | ${cell(when)} |`);
  return ['| code | when |', '|---|---|', ...rows].join('\n');
}

/** Words of `text` in lines of at most `width` characters after `indent`. */
function wrap(text: string, indent: string, width = 106): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(`${indent}${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}${line}`);
  return lines;
}

function optionsInterface(): string {
  const out = [
    '/** Options of `new Client(...)`. Every field is optional; unknown names are refused with `ERR_INVALID_OPTION`. */',
    'export interface ClientOptions {',
  ];
  for (const name of OPTION_NAMES) {
    const d = CLIENT_OPTIONS[name] as OptionDescriptor<unknown>;
    out.push('  /**', ...wrap(d.doc, '   * '), '   *', ...wrap(`Default: ${defaultText(d)}.`, '   * '));
    if (d.deprecated) out.push(`   * @deprecated Use ${d.deprecated}.`);
    out.push('   */', `  ${name}?: ${d.type};`);
  }
  out.push('}');
  return out.join('\n');
}

/** Replaces what lies between `open` and `close` (exclusive) with `body`. */
function between(text: string, open: string, close: string, body: string, file: string): string {
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${file}: markers ${open} … ${close} not found`);
  const afterOpen = text.indexOf('\n', start) + 1;
  return `${text.slice(0, afterOpen)}${body}\n${text.slice(end)}`;
}

/** Each generated file: its current text and the text it should have. */
export function regenerate(): Array<{ file: string; current: string; expected: string }> {
  return GENERATED_FILES.map((file) => {
    const current = readFileSync(join(PACKAGE, file), 'utf8');
    let expected: string;
    if (file === 'README.md') {
      expected = between(current, '<!-- generated:options', '<!-- /generated:options', optionTable(), file);
      expected = between(expected, '<!-- generated:errors', '<!-- /generated:errors', errorTable(), file);
    } else {
      expected = between(
        current,
        '// <generated:client-options>',
        '// </generated:client-options>',
        optionsInterface(),
        file,
      );
    }
    return { file, current, expected };
  });
}

/** Writes the generated sections; returns the files that changed. */
export function writeGenerated(): string[] {
  const changed: string[] = [];
  for (const { file, current, expected } of regenerate()) {
    if (current === expected) continue;
    writeFileSync(join(PACKAGE, file), expected);
    changed.push(file);
  }
  return changed;
}
