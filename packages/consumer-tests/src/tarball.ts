/**
 * Reading npm tarballs (gzipped ustar) without a dependency, and a content hash that ignores
 * what `pnpm pack` varies between runs: the order of keys in the rewritten package.json (its
 * `workspace:` dependencies come out in any order). The hash keys the install cache.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/** The files of a tarball, by path inside it (`package/...`). */
export type TarFiles = Map<string, Buffer>;

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** Parses a .tgz into its regular files (directories and links are not in npm tarballs). */
export function readTarball(tgz: Buffer): TarFiles {
  const tar = gunzipSync(tgz);
  const files: TarFiles = new Map();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 48);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'L') longName = field(body, 0, body.length);
    else if (type === '0' || type === '\0') files.set(name, Buffer.from(body));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonicalJson(v)]));
  }
  return value;
}

/** A hash of the tarball's files that is the same for the same contents. */
export function contentHash(files: TarFiles): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) {
    let body = files.get(path) as Buffer;
    if (path === 'package/package.json')
      body = Buffer.from(JSON.stringify(canonicalJson(JSON.parse(body.toString()))));
    hash.update(`${path}\0${body.length}\0`).update(body);
  }
  return hash.digest('hex');
}

/** The package.json inside a tarball. */
export function tarballManifest(files: TarFiles): PackageManifest {
  const body = files.get('package/package.json');
  if (body === undefined) throw new Error('the tarball has no package/package.json');
  return JSON.parse(body.toString('utf8')) as PackageManifest;
}

/** The fields of a package.json the consumer test reads. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  exports?: Record<string, unknown> | string;
  bin?: Record<string, string> | string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  typesVersions?: Record<string, Record<string, string[]>>;
}

/** The specifiers a consumer can import: the package name plus each `exports` subpath. */
export function entrypoints(manifest: PackageManifest): string[] {
  const exp = manifest.exports;
  if (exp === undefined || typeof exp === 'string') return [manifest.name];
  const keys = Object.keys(exp);
  // An exports object of conditions (no "." keys) describes the root only.
  if (!keys.some((k) => k.startsWith('.'))) return [manifest.name];
  const pattern = keys.find((k) => k.includes('*'));
  // A pattern stands for files the test cannot enumerate from the map alone: list them instead.
  if (pattern !== undefined)
    throw new Error(`${manifest.name}: exports pattern ${pattern} is not supported here`);
  return keys.map((k) => (k === '.' ? manifest.name : `${manifest.name}/${k.slice(2)}`));
}
