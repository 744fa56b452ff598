/**
 * Everything the consumer tests share, made once per run (vitest's global setup): the packed
 * tarballs, the runtimes and the installed projects (from the cache when nothing changed), and
 * the memcached servers the scenarios talk to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { limit } from './exec';
import { cacheRoot } from './paths';
import { PROJECTS, type Project, prepareProject, writeApp } from './projects';
import { prepareRuntime, RUNTIMES, type RuntimeResult } from './runtimes';
import { packAll, publishablePackages } from './workspace';

/** A packed package, as the tests see it. */
export interface PackedInfo {
  name: string;
  version: string;
  tarball: string;
  hash: string;
  entrypoints: string[];
  /** The workspace directory it was packed from. */
  dir: string;
}

/** The memcached servers of the run. */
export interface Servers {
  /** host:port of a plain TCP memcached. */
  tcp: string;
  /** Unix socket path of a second memcached. */
  unix: string;
  /** host:port of a TLS memcached, its CA (PEM file) and certificate name. */
  tls: string;
  tlsCaFile: string;
  tlsServername: string;
}

/** What the global setup hands to every test file. */
export interface Manifest {
  cache: string;
  packed: PackedInfo[];
  runtimes: RuntimeResult[];
  projects: Project[];
  servers: Servers;
  timings: { packMs: number; prepareMs: number };
}

/** Packs, fetches and installs (or reuses) everything. */
export async function prepare(servers: Servers): Promise<Manifest> {
  const cache = cacheRoot();
  mkdirSync(cache, { recursive: true });
  let started = performance.now();
  const workspace = publishablePackages();
  const packed = await packAll(workspace, join(cache, 'packs'));
  const packMs = Math.round(performance.now() - started);

  started = performance.now();
  // Two at a time: the machine's cores are shared, and npm installs are mostly network and disk.
  const two = limit(2);
  const runtimes = Promise.all(RUNTIMES.map((name) => two(() => prepareRuntime(cache, name))));
  const projects = Promise.all(PROJECTS.map((name) => two(() => prepareProject(cache, name, packed))));
  const [readyRuntimes, readyProjects] = await Promise.all([runtimes, projects]);
  for (const project of readyProjects) writeApp(project, packed);
  const prepareMs = Math.round(performance.now() - started);

  return {
    cache,
    packed: packed.map((p) => ({
      name: p.name,
      version: p.version,
      tarball: p.tarball,
      hash: p.hash,
      entrypoints: p.entrypoints,
      dir: workspace.find((w) => w.name === p.name)?.dir ?? '',
    })),
    runtimes: readyRuntimes,
    projects: readyProjects,
    servers,
    timings: { packMs, prepareMs },
  };
}

/** Writes the CA of the TLS server where the scenarios can read it. */
export function writeCa(cache: string, pem: string): string {
  mkdirSync(cache, { recursive: true });
  const file = join(cache, 'memcached-ca.pem');
  writeFileSync(file, pem);
  return file;
}
