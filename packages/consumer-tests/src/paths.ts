/**
 * Where things are: the monorepo root, and the cache of runtimes and installed consumer
 * projects (`MEMKIT_CONSUMER_CACHE`, default `node_modules/.cache/memkit-consumer` at the root,
 * so that deleting node_modules resets it).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The monorepo root. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** This package's directory. */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The files copied into every consumer project. */
export const APP_DIR = join(PACKAGE_DIR, 'app');

/** The cache root. */
export function cacheRoot(): string {
  return resolve(
    process.env.MEMKIT_CONSUMER_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'memkit-consumer'),
  );
}
