/**
 * The dashboard's static files (page, script, styles, built into
 * `dist/web/` at build time with uPlot bundled in). They are few and small,
 * so they are read once at start and served from memory by exact name: no
 * path from a request ever reaches the file system.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemkitError } from '@memkit/client';

/** A file ready to send. */
export interface Asset {
  type: string;
  body: Buffer;
}

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/assets/app.js': 'app.js',
  '/assets/app.css': 'app.css',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Where the built page lives: `dist/web/` next to the bundled module, or,
 * when running from `src/` (tests), the package's `dist/web/`.
 */
export function defaultWebRoot(): string {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../dist/web/', import.meta.url)];
  const found = candidates.find((u) => existsSync(new URL('index.html', u)));
  return fileURLToPath(found ?? candidates[0]!);
}

/** Loads every asset from `root` into memory, keyed by URL path. */
export function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, file] of Object.entries(FILES)) {
    const full = `${root.replace(/\/$/, '')}/${file}`;
    if (!existsSync(full)) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `dashboard asset ${full} is missing: build @memkit/cli first (pnpm --filter @memkit/cli build)`,
      );
    }
    const ext = file.slice(file.lastIndexOf('.') + 1);
    assets.set(path, { type: TYPES[ext] ?? 'application/octet-stream', body: readFileSync(full) });
  }
  return assets;
}
