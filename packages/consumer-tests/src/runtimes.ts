/**
 * The runtimes the consumer scripts run on, pinned: the machine's Node 20 (or Node 20 from the
 * registry when the machine has another major), Node 22 and 24 from the registry's `node`
 * package, Bun from `bun` (binary in `@oven/bun-linux-x64`) and Deno from `deno` (binary in
 * `@deno/linux-x64-glibc`). Each is installed once with npm into the cache; a runtime that
 * cannot be fetched is a failure of the tests that need it, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { consumerEnv, consumerPath, describeFailure, exec } from './exec';

/** The runtimes of the matrix, in table order. */
export const RUNTIMES = ['node20', 'node22', 'node24', 'bun', 'deno'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** Pinned versions (bump here; the README table names them). */
export const RUNTIME_VERSIONS: Record<RuntimeName, string> = {
  node20: '20.20.2',
  node22: '22.23.3',
  node24: '24.21.0',
  bun: '1.4.5',
  deno: '2.9.6',
};

/** Display names for the README table. */
export const RUNTIME_LABELS: Record<RuntimeName, string> = {
  node20: 'Node 20',
  node22: 'Node 22',
  node24: 'Node 24',
  bun: 'Bun',
  deno: 'Deno',
};

/** A runtime ready to run scripts. */
export interface Runtime {
  name: RuntimeName;
  /** What `--version` printed. */
  version: string;
  /** The Node.js version it implements (`process.versions.node`), for `engines` checks. */
  nodeVersion: string;
  /** The executable. */
  bin: string;
  /** Directory to put first on PATH so that `node` (and npx's shebangs) mean this runtime. */
  pathDir?: string;
  /** How it was obtained, for the report. */
  source: string;
}

/** A runtime that is ready, or the reason it is not. */
export type RuntimeResult = { ok: true; runtime: Runtime } | { ok: false; name: RuntimeName; error: string };

/** The command line running `script` with `args` on `runtime`. */
export function scriptCommand(runtime: Runtime, script: string, args: readonly string[]): [string, string[]] {
  // Deno resolves from the project's node_modules only (never fetching a package npm did not
  // install) and leaves no deno.lock behind.
  if (runtime.name === 'deno') {
    return [runtime.bin, ['run', '-A', '--node-modules-dir=manual', '--no-lock', script, ...args]];
  }
  // Likewise Bun never auto-installs a missing package.
  if (runtime.name === 'bun') return [runtime.bin, ['--no-install', script, ...args]];
  return [runtime.bin, [script, ...args]];
}

function which(command: string): string | undefined {
  for (const dir of consumerPath().split(delimiter)) {
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const NPM_PACKAGES: Record<RuntimeName, string> = {
  node20: 'node',
  node22: 'node',
  node24: 'node',
  bun: 'bun',
  deno: 'deno',
};

function binaryIn(dir: string, name: RuntimeName): string {
  // The platform packages the bun and deno packages depend on (linux-x64 on CI).
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
  const denoArch = process.arch === 'arm64' ? 'arm64' : process.arch;
  const denoPlatform =
    process.platform === 'linux' ? `linux-${denoArch}-glibc` : `${process.platform}-${denoArch}`;
  const candidates =
    name === 'bun'
      ? // The bun package's postinstall moves the platform binary to bun/bin/bun.exe.
        [`node_modules/@oven/bun-${process.platform}-${arch}/bin/bun`, 'node_modules/bun/bin/bun.exe']
      : name === 'deno'
        ? [`node_modules/@deno/${denoPlatform}/deno`]
        : ['node_modules/node/bin/node'];
  for (const c of candidates) if (existsSync(join(dir, c))) return join(dir, c);
  throw new Error(`no ${name} binary in ${dir} (looked for ${candidates.join(', ')})`);
}

async function installFromRegistry(cache: string, name: RuntimeName): Promise<{ bin: string; dir: string }> {
  const version = RUNTIME_VERSIONS[name];
  const pkg = NPM_PACKAGES[name];
  const dir = join(cache, 'runtimes', `${name}-${version}`);
  const stamp = join(dir, '.ready');
  if (existsSync(stamp)) return { bin: binaryIn(dir, name), dir };
  // Unfinished installs of an interrupted run are removed first.
  mkdirSync(join(cache, 'runtimes'), { recursive: true });
  for (const old of readdirSync(join(cache, 'runtimes'))) {
    if (old.startsWith(`${name}-${version}.tmp-`))
      rmSync(join(cache, 'runtimes', old), { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  // The node, bun and deno packages put the platform binary in place from an install script.
  writeFileSync(
    join(tmp, 'package.json'),
    `${JSON.stringify({ name: `runtime-${name}`, private: true, dependencies: { [pkg]: version }, allowScripts: { [pkg]: true } }, null, 2)}\n`,
  );
  const r = await exec('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd: tmp,
    env: consumerEnv(),
    timeoutMs: 600_000,
  });
  if (r.code !== 0) throw new Error(describeFailure(`npm install ${pkg}@${version}`, r));
  binaryIn(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(stamp, `${pkg}@${version}\n`);
  return { bin: binaryIn(dir, name), dir };
}

function probe(bin: string, name: RuntimeName): { version: string; nodeVersion: string } {
  const env = consumerEnv({ NO_COLOR: '1' });
  const version =
    execFileSync(bin, ['--version'], { env, encoding: 'utf8', timeout: 30_000 }).trim().split('\n')[0] ?? '';
  const evalArgs =
    name === 'deno'
      ? ['eval', 'console.log(process.versions.node)']
      : ['-e', 'console.log(process.versions.node)'];
  const nodeVersion = execFileSync(bin, evalArgs, { env, encoding: 'utf8', timeout: 30_000 }).trim();
  return { version, nodeVersion };
}

/** Makes one runtime ready (from the machine or the cache, else the registry). */
export async function prepareRuntime(cache: string, name: RuntimeName): Promise<RuntimeResult> {
  try {
    const expected = RUNTIME_VERSIONS[name];
    if (name === 'node20') {
      const machine = which('node');
      if (machine !== undefined) {
        const found = probe(machine, name);
        if (found.version.startsWith('v20.')) {
          return { ok: true, runtime: { name, ...found, bin: machine, source: `the machine's ${machine}` } };
        }
      }
    }
    const { bin, dir } = await installFromRegistry(cache, name);
    const found = probe(bin, name);
    if (!found.version.includes(expected))
      throw new Error(`${bin} --version printed ${found.version}, not ${expected}`);
    const pathDir = name.startsWith('node') ? join(dir, 'node_modules', 'node', 'bin') : undefined;
    return {
      ok: true,
      runtime: {
        name,
        ...found,
        bin,
        ...(pathDir ? { pathDir } : {}),
        source: `npm ${NPM_PACKAGES[name]}@${expected}`,
      },
    };
  } catch (err) {
    return { ok: false, name, error: err instanceof Error ? err.message : String(err) };
  }
}
