/**
 * Which installed packages a scenario loads, and whether a runtime's Node.js version satisfies
 * every `engines.node` among them. The consumer test runs a scenario only where the installed
 * packages say they support the runtime (Keyv 6 and NestJS 12's `file-type` exclude Node 20),
 * and the expectations table states which combinations those are, so an engines change shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';

interface Installed {
  name: string;
  version: string;
  dir: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readInstalled(dir: string): Installed {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Omit<Installed, 'dir'>;
  return { ...pkg, dir };
}

/** Resolves `name` from `fromDir` the way Node does: node_modules of each ancestor. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A package that excludes a Node.js version. */
export interface EngineConflict {
  /** `name@version` of the installed package. */
  pkg: string;
  /** Its `engines.node`. */
  range: string;
}

/**
 * Every installed package reachable from `roots` (dependencies, installed peers and optionals,
 * transitively), starting from the project directory.
 */
export function closure(projectDir: string, roots: readonly string[]): Installed[] {
  const seen = new Map<string, Installed>();
  const queue: Array<[string, string]> = roots.map((r) => [r, projectDir]);
  while (queue.length > 0) {
    const [name, from] = queue.shift() as [string, string];
    const dir = resolvePackageDir(name, from, projectDir);
    if (dir === undefined) {
      if (from === projectDir) throw new Error(`${name} is not installed in ${projectDir}`);
      continue; // an optional or peer dependency that is not installed
    }
    if (seen.has(dir)) continue;
    const pkg = readInstalled(dir);
    seen.set(dir, pkg);
    for (const deps of [pkg.dependencies, pkg.peerDependencies, pkg.optionalDependencies]) {
      for (const dep of Object.keys(deps ?? {})) queue.push([dep, dir]);
    }
  }
  return [...seen.values()];
}

/** The packages among `installed` whose `engines.node` excludes `nodeVersion`. */
export function engineConflicts(installed: readonly Installed[], nodeVersion: string): EngineConflict[] {
  const out: EngineConflict[] = [];
  for (const pkg of installed) {
    const range = pkg.engines?.node;
    if (range === undefined) continue;
    if (!semver.satisfies(nodeVersion, range, { includePrerelease: true })) {
      out.push({ pkg: `${pkg.name}@${pkg.version}`, range });
    }
  }
  return out.sort((a, b) => (a.pkg < b.pkg ? -1 : 1));
}
