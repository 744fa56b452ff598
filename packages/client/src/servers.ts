/**
 * Parses the `servers` option into `ServerNode`s: `'host:port'`,
 * `'host:port:weight'` (python-memcached's weighted form), `'[::1]:11211'`,
 * `'/path/to.sock'` and object specs.
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerNode } from './cluster/locator';
import type { ServerSpec } from './options';

const DEFAULT_PORT = 11211;

/** Parses one server spec. */
export function parseServer(spec: string | ServerSpec): ServerNode {
  if (typeof spec !== 'string') return fromObject(spec);
  const s = spec.trim();
  if (s.startsWith('/') || s.startsWith('unix:')) {
    const path = s.startsWith('unix:') ? s.slice(5) : s;
    return { address: path, host: path, port: 0, weight: 1, socketPath: path };
  }
  let host: string;
  let rest: string[];
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw invalid(spec, 'unterminated IPv6 bracket');
    host = s.slice(1, end);
    rest = s
      .slice(end + 1)
      .split(':')
      .slice(1);
  } else {
    const parts = s.split(':');
    host = parts[0] ?? '';
    rest = parts.slice(1);
  }
  if (!host) throw invalid(spec, 'missing host');
  const port = rest[0] === undefined || rest[0] === '' ? DEFAULT_PORT : toInt(spec, 'port', rest[0]);
  const weight = rest[1] === undefined ? 1 : toInt(spec, 'weight', rest[1]);
  if (rest.length > 2) throw invalid(spec, 'expected host:port[:weight]');
  return node(host, port, weight, spec);
}

/** Parses the whole list; rejects an empty list and duplicate addresses. */
export function parseServers(specs: ReadonlyArray<string | ServerSpec>): ServerNode[] {
  if (specs.length === 0)
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'servers: at least one server is needed');
  const nodes = specs.map(parseServer);
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.address))
      throw new MemkitError('ERR_INVALID_ARGUMENT', `servers: ${n.address} is listed twice`);
    seen.add(n.address);
  }
  return nodes;
}

const SPEC_KEYS = ['host', 'port', 'path', 'weight'];

function fromObject(spec: ServerSpec): ServerNode {
  const shown = typeof spec === 'object' && spec !== null ? JSON.stringify(spec) : String(spec);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw invalid(shown, "expected 'host:port' or { host, port, weight } / { path }");
  }
  const unknown = Object.keys(spec).find((k) => !SPEC_KEYS.includes(k));
  if (unknown !== undefined)
    throw invalid(shown, `unknown field ${JSON.stringify(unknown)} (fields: ${SPEC_KEYS.join(', ')})`);
  for (const [field, type] of [
    ['host', 'string'],
    ['path', 'string'],
    ['port', 'number'],
    ['weight', 'number'],
  ]) {
    const v = spec[field as keyof ServerSpec];
    if (v !== undefined && typeof v !== type) throw invalid(shown, `${field} must be a ${type}`);
  }
  if (spec.port !== undefined && !Number.isInteger(spec.port))
    throw invalid(shown, 'port must be an integer');
  if (spec.weight !== undefined && !Number.isFinite(spec.weight))
    throw invalid(shown, 'weight must be a finite number');
  if (spec.path) {
    return { address: spec.path, host: spec.path, port: 0, weight: spec.weight ?? 1, socketPath: spec.path };
  }
  return node(spec.host ?? '127.0.0.1', spec.port ?? DEFAULT_PORT, spec.weight ?? 1, shown);
}

function node(host: string, port: number, weight: number, spec: string): ServerNode {
  if (port < 1 || port > 65535) throw invalid(spec, `port ${port} out of range`);
  if (weight < 0) throw invalid(spec, 'weight must be >= 0');
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { address, host, port, weight };
}

function toInt(spec: string, what: string, text: string): number {
  if (!/^\d+$/.test(text)) throw invalid(spec, `${what} must be an integer`);
  return Number(text);
}

function invalid(spec: string, why: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', `servers: cannot parse ${JSON.stringify(spec)}: ${why}`);
}
