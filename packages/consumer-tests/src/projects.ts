/**
 * The consumer projects: plain npm projects with every packed memkit tarball installed next to
 * the peers of one "peer set" (the lowest versions the peer ranges allow, or the newest), exactly
 * as an application would install them. An installed project is kept in the cache under a key
 * made of the tarballs' content hashes and the peer versions, so a re-run with the same build
 * installs nothing.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerEnv, describeFailure, exec } from './exec';
import { APP_DIR } from './paths';
import { type PackedPackage, tarballName } from './workspace';

/** The projects, in table order. */
export const PROJECTS = ['lowest', 'newest', 'newest-keyv5'] as const;
export type ProjectName = (typeof PROJECTS)[number];

/** What one project installs besides the tarballs. */
export interface PeerSet {
  /** Why this set exists. */
  about: string;
  /** npm install specs by name (aliases as `npm:pkg@version`). */
  dependencies: Record<string, string>;
  /** Which installed name provides each Keyv major (`keyv` itself or an alias). */
  keyv: Partial<Record<'5' | '6', string>>;
  /** The major of the package named `keyv` (what `@memkit/keyv` and `@memkit/nestjs` import). */
  mainKeyv: 5 | 6;
  /** The OpenTelemetry tracing SDK package installed (SDK 3 renamed sdk-trace-base to sdk-trace). */
  otelSdk?: string;
}

// Not peers of memkit, the same in every project: what the apps and the typed consumer need.
const COMMON: Record<string, string> = {
  express: '5.3.0',
  'reflect-metadata': '0.2.2',
  // The floor of @memkit/nestjs's rxjs peer range (what @nestjs/cache-manager asks for).
  rxjs: '7.8.1',
  // @nestjs/cache-manager's own .d.ts imports types from `cacheable` without declaring it as a
  // dependency, so a strict lib check of any app importing it needs it installed.
  cacheable: '2.5.0',
  typescript: '5.9.3',
  '@types/node': '20.19.43',
  '@types/express': '5.0.6',
};

/**
 * The peer sets. `lowest` holds the floor of every memkit peer range (the tarball test asserts
 * that each range starts exactly there), `newest` the newest release of each, and
 * `newest-keyv5` the newest Keyv 5 under NestJS 12 (what cache-manager 7 needs).
 */
export const PEER_SETS: Record<ProjectName, PeerSet> = {
  lowest: {
    about: 'the lowest version of every peer range',
    dependencies: {
      ...COMMON,
      keyv: '5.0.1',
      'express-session': '1.17.0',
      '@types/express-session': '1.17.10',
      '@nestjs/common': '11.0.0',
      '@nestjs/core': '11.0.0',
      '@nestjs/cache-manager': '3.1.3',
      '@nestjs/terminus': '11.0.0',
      'cache-manager': '7.0.0',
      // The floor of @memkit/opentelemetry's API peer range, with an SDK and the instrumentation
      // base that still accept that API.
      '@opentelemetry/api': '1.7.0',
      '@opentelemetry/instrumentation': '0.200.0',
      '@opentelemetry/sdk-trace-base': '2.0.0',
      '@opentelemetry/context-async-hooks': '2.0.0',
    },
    keyv: { '5': 'keyv' },
    mainKeyv: 5,
    otelSdk: '@opentelemetry/sdk-trace-base',
  },
  newest: {
    about: 'the newest release of every peer, Keyv 6 as the application Keyv',
    dependencies: {
      ...COMMON,
      keyv: '6.1.0',
      keyv5: 'npm:keyv@5.6.0',
      'express-session': '1.19.0',
      '@types/express-session': '1.19.0',
      '@nestjs/common': '12.6.3',
      '@nestjs/core': '12.6.3',
      '@nestjs/cache-manager': '12.0.0',
      '@nestjs/terminus': '12.1.0',
      'cache-manager': '7.2.9',
      '@opentelemetry/api': '1.10.0',
      '@opentelemetry/instrumentation': '0.301.2',
      '@opentelemetry/sdk-trace': '3.1.1',
      '@opentelemetry/context-async-hooks': '3.1.1',
      publint: '0.3.25',
      '@arethetypeswrong/cli': '0.18.5',
    },
    keyv: { '5': 'keyv5', '6': 'keyv' },
    mainKeyv: 6,
    otelSdk: '@opentelemetry/sdk-trace',
  },
  'newest-keyv5': {
    about: 'NestJS 12 with the newest Keyv 5 as the application Keyv (the setup cache-manager 7 needs)',
    dependencies: {
      ...COMMON,
      keyv: '5.6.0',
      'express-session': '1.19.0',
      '@nestjs/common': '12.6.3',
      '@nestjs/core': '12.6.3',
      '@nestjs/cache-manager': '12.0.0',
      '@nestjs/terminus': '12.1.0',
      'cache-manager': '7.2.9',
    },
    keyv: { '5': 'keyv' },
    mainKeyv: 5,
  },
};

/** A consumer project on disk. */
export interface Project {
  name: ProjectName;
  dir: string;
  peers: PeerSet;
  /** Whether this run installed it (false: reused from the cache). */
  installed: boolean;
  installMs: number;
}

// Bump when the way projects are laid out changes, to invalidate cached installs.
const LAYOUT_VERSION = 1;

/** The cache key of a project: tarball contents + peer versions. */
export function projectKey(name: ProjectName, packed: readonly PackedPackage[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ LAYOUT_VERSION, name, peers: PEER_SETS[name] }));
  for (const p of packed) hash.update(`${p.name}@${p.version}:${p.hash}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Copies the consumer scripts and their configuration into a project (every run: they are small). */
export function writeApp(project: Project, packed: readonly PackedPackage[]): void {
  cpSync(APP_DIR, project.dir, { recursive: true });
  const config = {
    project: project.name,
    entrypoints: packed.flatMap((p) => p.entrypoints),
    keyv: project.peers.keyv,
    mainKeyv: project.peers.mainKeyv,
    otelSdk: project.peers.otelSdk,
  };
  writeFileSync(join(project.dir, 'consumer.config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** Installs (or reuses) one project. Older installs of the same project are removed. */
export async function prepareProject(
  cache: string,
  name: ProjectName,
  packed: readonly PackedPackage[],
): Promise<Project> {
  const peers = PEER_SETS[name];
  const base = join(cache, 'projects');
  const dir = join(base, `${name}-${projectKey(name, packed)}`);
  const started = performance.now();
  if (existsSync(join(dir, '.installed'))) return { name, dir, peers, installed: false, installMs: 0 };

  mkdirSync(base, { recursive: true });
  // Older installs of this project (other tarballs or peers) and unfinished ones are dead weight.
  // The key is 16 hex digits, so `newest-` never matches a `newest-keyv5-` directory.
  const mine = new RegExp(`^${name}-[0-9a-f]{16}(\\.tmp-\\d+)?$`);
  for (const old of readdirSync(base)) {
    if (mine.test(old)) rmSync(join(base, old), { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'tarballs'), { recursive: true });
  const dependencies: Record<string, string> = { ...peers.dependencies };
  for (const p of packed) {
    cpSync(p.tarball, join(tmp, 'tarballs', tarballName(p)));
    dependencies[p.name] = `file:tarballs/${tarballName(p)}`;
  }
  const manifest = {
    name: `memkit-consumer-${name}`,
    version: '0.0.0',
    private: true,
    description: `A plain npm application using the packed memkit packages: ${peers.about}`,
    dependencies,
    // @nestjs/core's postinstall only prints a funding banner.
    allowScripts: { '@nestjs/core': false },
  };
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const r = await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error'],
    {
      cwd: tmp,
      env: consumerEnv(),
      timeoutMs: 600_000,
    },
  );
  if (r.code !== 0) throw new Error(describeFailure(`npm install in the ${name} project`, r));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(join(dir, '.installed'), `${new Date().toISOString()}\n`);
  return { name, dir, peers, installed: true, installMs: Math.round(performance.now() - started) };
}
