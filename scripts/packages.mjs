// What a publishable package must carry, checked on the source tree (scripts/check-packages.mjs,
// part of `pnpm test`) and on the packed tarballs (scripts/release-dry.mjs): license, metadata
// that makes the registry page useful, links that work there, and no dead weight.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPOSITORY = 'https://github.com/memkit/memkit';

/** Every non-private package under packages/. */
export function publishablePackages(root) {
  const out = [];
  for (const dir of readdirSync(path.join(root, 'packages')).sort()) {
    const file = path.join(root, 'packages', dir, 'package.json');
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    out.push({
      name: manifest.name,
      dir: path.join(root, 'packages', dir),
      rel: `packages/${dir}`,
      manifest,
    });
  }
  return out;
}

/** Problems with a package.json of a publishable package (empty when none). */
export function checkManifest(pkg, manifest = pkg.manifest) {
  const problems = [];
  const want = { type: 'git', url: `git+${REPOSITORY}.git`, directory: pkg.rel };
  if (JSON.stringify(manifest.repository) !== JSON.stringify(want)) {
    problems.push(`repository must be ${JSON.stringify(want)}`);
  }
  if (manifest.homepage !== `${REPOSITORY}/tree/main/${pkg.rel}#readme`) problems.push('homepage');
  if (manifest.bugs?.url !== `${REPOSITORY}/issues`) problems.push('bugs.url');
  if (manifest.license !== 'MIT') problems.push('license must be MIT');
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) problems.push('keywords');
  if (manifest.publishConfig?.access !== 'public') problems.push('publishConfig.access must be public');
  if (typeof manifest.engines?.node !== 'string') problems.push('engines.node');
  for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md']) {
    if (!manifest.files?.includes(f)) problems.push(`files must list ${f}`);
  }
  for (const [bin, target] of Object.entries(manifest.bin ?? {})) {
    if (!target.startsWith('./bin/')) problems.push(`bin ${bin} must be a checked-in file under bin/`);
  }
  return problems;
}

/** Links in a README that would be dead on the registry's page (relative to the repository). */
export function relativeLinks(readme) {
  const out = [];
  for (const m of readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (!/^(https?:|mailto:|#)/.test(m[1])) out.push(m[1]);
  }
  return out;
}

/** Problems with a packed tarball: its entries, its package.json, and file contents via `read`. */
export function checkTarball(pkg, entries, manifest, license, read) {
  const problems = checkManifest(pkg, manifest);
  for (const f of ['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md']) {
    if (!entries.includes(f)) problems.push(`${f} is missing`);
  }
  if (entries.includes('package/LICENSE') && read('LICENSE') !== license)
    problems.push('LICENSE differs from the root one');
  for (const e of entries) {
    if (e.endsWith('.map')) problems.push(`ships a source map: ${e}`);
  }
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (String(range).startsWith('workspace:')) problems.push(`dependency ${name} still says ${range}`);
  }
  for (const target of Object.values(manifest.bin ?? {})) {
    const entry = `package/${target.replace(/^\.\//, '')}`;
    if (!entries.includes(entry)) problems.push(`bin ${target} is missing`);
    else if (!read(target.replace(/^\.\//, '')).startsWith('#!/usr/bin/env node\n'))
      problems.push(`bin ${target} has no node shebang`);
  }
  for (const link of relativeLinks(read('README.md'))) problems.push(`README link ${link} is relative`);
  return problems;
}
