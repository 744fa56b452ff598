// `pnpm release:dry`: everything a release does except publishing. Builds and tests the whole
// repository (`pnpm test`), packs every publishable package with `pnpm pack` (which turns
// `workspace:` ranges into real versions, as `pnpm publish` would), checks each tarball, and
// prints the tarball list with sizes. Pass --no-test to skip the test run (the build still runs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTarball, publishablePackages } from './packages.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, '.release');
const skipTests = process.argv.includes('--no-test');

/** Runs pnpm: the one running this script when there is one, else pnpm on PATH. */
function pnpm(args, cwd = ROOT, stdio = 'inherit') {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the package manager running this script, not a setting
  const execpath = process.env.npm_execpath;
  if (execpath && /\.c?js$/.test(execpath)) {
    return execFileSync(process.execPath, [execpath, ...args], { cwd, stdio, encoding: 'utf8' });
  }
  return execFileSync('pnpm', args, { cwd, stdio, encoding: 'utf8' });
}

pnpm(skipTests ? ['run', 'build'] : ['run', 'test']);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const rows = [];
let problems = 0;
for (const pkg of publishablePackages(ROOT)) {
  pnpm(['pack', '--pack-destination', OUT], pkg.dir, ['ignore', 'ignore', 'inherit']);
  const file = readdirSync(OUT).find((f) => f.startsWith(`${pkg.name.replace('@', '').replace('/', '-')}-`));
  if (file === undefined) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`);
  const tarball = path.join(OUT, file);
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
  const found = checkTarball(
    pkg,
    entries,
    manifest,
    readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'),
    (name) => execFileSync('tar', ['-xzOf', tarball, `package/${name}`], { encoding: 'utf8' }),
  );
  problems += found.length;
  for (const p of found) console.error(`${pkg.name}: ${p}`);
  rows.push({
    name: pkg.name,
    version: manifest.version,
    file,
    bytes: statSync(tarball).size,
    files: entries.length,
  });
}

const width = Math.max(...rows.map((r) => r.file.length));
console.log(`\nTarballs in ${path.relative(process.cwd(), OUT) || OUT} (not published):`);
for (const r of rows) {
  console.log(
    `  ${r.file.padEnd(width)}  ${(r.bytes / 1024).toFixed(1).padStart(7)} kB  ${String(r.files).padStart(3)} files`,
  );
}
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`  ${'total'.padEnd(width)}  ${(total / 1024).toFixed(1).padStart(7)} kB`);
if (problems > 0) {
  console.error(`\n${problems} problem(s) in the tarballs`);
  process.exit(1);
}
