/**
 * The TypeScript consumer: app/typed/consumer.ts (hand-written use of every package) plus a
 * generated file importing every entry point, type-checked by the project's own `tsc` under
 * `moduleResolution` nodenext (as an ES module and as a CommonJS module), bundler and node10.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_DIR } from './paths';

export const MODES = ['nodenext', 'bundler', 'node10'] as const;
export type Mode = (typeof MODES)[number];

const MODULE: Record<Mode, string> = { nodenext: 'nodenext', bundler: 'preserve', node10: 'commonjs' };

function entrypointsSource(specifiers: readonly string[]): string {
  const code = specifiers.filter((s) => !s.endsWith('.json'));
  const imports = code.map((s, i) => `import * as entry${i} from '${s}';`);
  return `${imports.join('\n')}\n\nexport const entrypoints: object[] = [${code.map((_, i) => `entry${i}`).join(', ')}];\n`;
}

/** Writes the typed sources and one tsconfig per mode into the project; returns the config files. */
export function writeTypedConsumer(projectDir: string, specifiers: readonly string[]): Record<Mode, string> {
  const dir = join(projectDir, 'typed-generated');
  mkdirSync(dir, { recursive: true });
  const entries = entrypointsSource(specifiers);
  // nodenext decides the module format by extension: .mts is ESM, .cts CommonJS (require).
  for (const ext of ['ts', 'mts', 'cts']) {
    copyFileSync(join(APP_DIR, 'typed', 'consumer.ts'), join(dir, `consumer.${ext}`));
    writeFileSync(join(dir, `entrypoints.${ext}`), entries);
  }
  const out = {} as Record<Mode, string>;
  for (const mode of MODES) {
    const files =
      mode === 'nodenext'
        ? ['mts', 'cts'].flatMap((e) => [`consumer.${e}`, `entrypoints.${e}`])
        : ['consumer.ts', 'entrypoints.ts'];
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        // TypeScript's own incremental check: a re-run over the same installed project (same
        // tarballs, hence the same cache directory) re-checks only what changed.
        incremental: true,
        tsBuildInfoFile: `typed-generated/${mode}.tsbuildinfo`,
        target: 'es2022',
        module: MODULE[mode],
        moduleResolution: mode,
        esModuleInterop: true,
        experimentalDecorators: true,
        // The strictest mode also checks every declaration file, ours and the peers' they import.
        skipLibCheck: mode !== 'nodenext',
        types: ['node'],
      },
      files: files.map((f) => `typed-generated/${f}`),
    };
    const file = join(projectDir, `tsconfig.${mode}.json`);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    out[mode] = file;
  }
  return out;
}
