/**
 * The publishable packages of the workspace (every package without `"private": true`), packed
 * with `pnpm pack` as the registry would receive them (`workspace:` ranges rewritten).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { consumerEnv, describeFailure, exec } from './exec';
import { REPO_ROOT } from './paths';
import {
  contentHash,
  entrypoints,
  type PackageManifest,
  readTarball,
  type TarFiles,
  tarballManifest,
} from './tarball';

/** A workspace package that is published. */
export interface WorkspacePackage {
  name: string;
  dir: string;
}

/** One packed package. */
export interface PackedPackage {
  name: string;
  version: string;
  /** Path of the .tgz. */
  tarball: string;
  files: TarFiles;
  manifest: PackageManifest;
  hash: string;
  entrypoints: string[];
}

function workspaceGlobs(): string[] {
  const text = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\s*\n((?:\s+-.*\n?)+)/m.exec(text);
  if (block === null) throw new Error('pnpm-workspace.yaml has no packages list');
  return [...(block[1] as string).matchAll(/-\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => m[1] as string);
}

/** Every workspace package whose package.json is not private, in name order. */
export function publishablePackages(): WorkspacePackage[] {
  const dirs: string[] = [];
  for (const glob of workspaceGlobs()) {
    if (glob.endsWith('/*')) {
      const parent = join(REPO_ROOT, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else if (!glob.includes('*')) {
      dirs.push(join(REPO_ROOT, glob));
    } else {
      throw new Error(`unsupported workspace glob ${glob}`);
    }
  }
  const out: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
    if (manifest.private !== true) out.push({ name: manifest.name, dir });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The pnpm this repository pins (`packageManager`). */
export function pnpmVersion(): string {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    packageManager?: string;
  };
  const m = /^pnpm@(\d+\.\d+\.\d+)/.exec(root.packageManager ?? '');
  if (m === null) throw new Error('the root package.json names no pnpm version in packageManager');
  return m[1] as string;
}

/**
 * How to run pnpm: the pnpm running this test (`pnpm test` sets npm_execpath to its script), else
 * the pinned version through npx.
 */
function pnpmCommand(): [string, string[]] {
  const execpath = process.env.npm_execpath;
  if (execpath !== undefined && /pnpm\.c?js$/.test(execpath)) return [process.execPath, [execpath]];
  return ['npx', ['-y', `pnpm@${pnpmVersion()}`]];
}

/** Packs `packages` into `dest` (emptied first) with one `pnpm pack` run. */
export async function packAll(packages: readonly WorkspacePackage[], dest: string): Promise<PackedPackage[]> {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const filters = packages.flatMap((p) => ['--filter', p.name]);
  const [command, pnpmArgs] = pnpmCommand();
  const args = [...pnpmArgs, ...filters, 'pack', '--pack-destination', dest];
  const r = await exec(command, args, { cwd: REPO_ROOT, env: consumerEnv(), timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(describeFailure('pnpm pack', r));
  const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  return packages.map((pkg) => {
    const prefix = `${pkg.name.replace(/^@/, '').replace('/', '-')}-`;
    const file = tarballs.find((t) => t.startsWith(prefix) && /^\d/.test(t.slice(prefix.length)));
    if (file === undefined) throw new Error(`pnpm pack made no tarball for ${pkg.name} in ${dest}`);
    const tarball = join(dest, file);
    const files = readTarball(readFileSync(tarball));
    const manifest = tarballManifest(files);
    return {
      name: manifest.name,
      version: manifest.version,
      tarball,
      files,
      manifest,
      hash: contentHash(files),
      entrypoints: entrypoints(manifest),
    };
  });
}

/** The file name a tarball gets inside a consumer project. */
export function tarballName(pkg: PackedPackage): string {
  return basename(pkg.tarball);
}
