// Part of `pnpm test`: every publishable package carries the metadata, license, changelog and
// registry-safe README links that scripts/packages.mjs describes; the checked-in bins load the
// build. (The packed tarballs themselves are checked by `pnpm release:dry`.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkManifest, publishablePackages, relativeLinks } from './packages.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
let passed = 0;
let failed = 0;
for (const pkg of publishablePackages(ROOT)) {
  const problems = checkManifest(pkg);
  const file = (name) => path.join(pkg.dir, name);
  if (!existsSync(file('LICENSE')) || readFileSync(file('LICENSE'), 'utf8') !== license) {
    problems.push('LICENSE missing or different from the root LICENSE');
  }
  const changelog = existsSync(file('CHANGELOG.md')) ? readFileSync(file('CHANGELOG.md'), 'utf8') : '';
  if (!changelog.startsWith(`# ${pkg.name}\n`)) problems.push(`CHANGELOG.md must start with "# ${pkg.name}"`);
  for (const link of relativeLinks(readFileSync(file('README.md'), 'utf8'))) {
    problems.push(`README link ${link} is relative (dead on the registry's page)`);
  }
  for (const target of Object.values(pkg.manifest.bin ?? {})) {
    const text = existsSync(file(target)) ? readFileSync(file(target), 'utf8') : '';
    if (!text.startsWith('#!/usr/bin/env node\n') || !/import '\.\.\/dist\/[\w-]+\.js';/.test(text)) {
      problems.push(`bin ${target} must be a node script that imports ../dist/`);
    }
  }
  for (const p of problems) console.error(`FAIL ${pkg.name}: ${p}`);
  if (problems.length === 0) passed++;
  else failed++;
}
console.log(`package checks: ${passed} passed, ${failed} failed`);
if (failed > 0 || passed === 0) process.exit(1);
