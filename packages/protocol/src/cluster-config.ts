/**
 * The cluster configuration that AWS ElastiCache and GCP Memorystore publish
 * on their configuration endpoint: the `config get cluster` command (and the
 * `get AmazonElastiCache:cluster` item of engines before 1.4.14), and the
 * data block both answer with:
 *
 * ```text
 * <version>\n
 * <host>|<ip>|<port> <host>|<ip>|<port> …\n
 * ```
 *
 * Parsing is strict: the block decides which servers a client talks to, so
 * anything that is not exactly this shape is refused rather than guessed at.
 * Pure: bytes in, a typed configuration out (and back, for servers).
 */
import { Buffer } from 'node:buffer';
import { MemkitError, ProtocolError } from './errors';

/** The key of `config get cluster`. */
export const CLUSTER_CONFIG_KEY = 'cluster';

/** The item that engines older than memcached 1.4.14 publish the configuration under. */
export const LEGACY_CLUSTER_CONFIG_KEY = 'AmazonElastiCache:cluster';

/** One node of a cluster configuration. */
export interface ClusterConfigNode {
  /** The node's DNS name (ElastiCache: `<cluster>.<id>.<nnnn>.<region>.cache.amazonaws.com`). */
  host: string;
  /** Its private IP address, or `''` when the engine publishes none. */
  ip: string;
  /** TCP port, 1-65535. */
  port: number;
}

/** A parsed cluster configuration. */
export interface ClusterConfig {
  /** Rises each time the node list changes. */
  version: number;
  /** At least one node; no two with the same host and port. */
  nodes: ClusterConfigNode[];
}

/** Longest configuration block accepted (a few thousand nodes; far beyond any real cluster). */
export const MAX_CLUSTER_CONFIG_LENGTH = 1024 * 1024;

const HOST = /^[A-Za-z0-9._:-]+$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const DIGITS = /^\d{1,16}$/;

/** `config get <key>\r\n`. */
export function encodeConfigGet(key: string = CLUSTER_CONFIG_KEY): string {
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,250}$/.test(key)) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `config key must be 1-250 printable ASCII bytes, got ${JSON.stringify(key)}`,
    );
  }
  return `config get ${key}\r\n`;
}

function bad(why: string): never {
  throw new ProtocolError(`cluster configuration: ${why}`);
}

/** Whether `ip` is a dotted IPv4 address or an IPv6 address (checked loosely: hex digits, `:` and `.` with at least two colons). */
function isIp(ip: string): boolean {
  if (IPV4.test(ip)) return true;
  return IPV6.test(ip) && ip.split(':').length >= 3 && ip.length <= 45;
}

/** Line `i` of a block split at `\n`, without the `\r` of a `\r\n` ending. */
function lineText(lines: string[], i: number): string {
  const line = lines[i]!;
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Parses the data block of `config get cluster` / `get AmazonElastiCache:cluster`.
 * Lines end with `\n` (a `\r` before it is tolerated). Blank lines may follow
 * the node list; nothing else may.
 * @throws ProtocolError (`ERR_PROTOCOL`) when the block is not a valid configuration:
 *   not ASCII, no version, a version that is not a number, an empty node list,
 *   an entry that is not `host|ip|port`, a bad port, or a node listed twice.
 */
export function parseClusterConfig(data: Uint8Array | string): ClusterConfig {
  const size = typeof data === 'string' ? data.length : data.byteLength;
  if (size > MAX_CLUSTER_CONFIG_LENGTH) bad(`${size} bytes, more than ${MAX_CLUSTER_CONFIG_LENGTH}`);
  const text =
    typeof data === 'string'
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x0a && c !== 0x0d))
      bad(`unexpected byte 0x${c.toString(16)} at ${i}`);
  }
  const lines = text.split('\n');
  if (lines.length < 3) bad('expected a version line and a node line, each ending in a newline');
  // After the last "\n" nothing may remain; blank lines between are allowed.
  if (lines.at(-1) !== '') bad('the block does not end with a newline');
  for (let i = 2; i < lines.length - 1; i++) {
    if (lineText(lines, i) !== '') bad(`unexpected line ${i + 1} after the node list`);
  }
  const versionText = lineText(lines, 0);
  const version = DIGITS.test(versionText) ? Number(versionText) : -1;
  if (!Number.isSafeInteger(version) || version < 0) {
    bad(`version ${JSON.stringify(versionText.slice(0, 40))} is not a number`);
  }
  const entries = lineText(lines, 1)
    .split(' ')
    .filter((e) => e !== '');
  if (entries.length === 0) bad('the node list is empty');
  const seen = new Set<string>();
  const nodes = entries.map((entry) => {
    const node = parseNode(entry);
    const id = `${node.host}|${node.port}`;
    if (seen.has(id)) bad(`node ${node.host}:${node.port} is listed twice`);
    seen.add(id);
    return node;
  });
  return { version, nodes };
}

function parseNode(entry: string): ClusterConfigNode {
  const parts = entry.split('|');
  const shown = JSON.stringify(entry.slice(0, 80));
  if (parts.length !== 3) bad(`entry ${shown} is not host|ip|port`);
  const [host, ip, portText] = parts as [string, string, string];
  if (!HOST.test(host) || host.length > 253) bad(`entry ${shown} has an invalid host name`);
  if (ip !== '' && !isIp(ip)) bad(`entry ${shown} has an invalid IP address`);
  if (!DIGITS.test(portText)) bad(`entry ${shown} has an invalid port`);
  const port = Number(portText);
  if (port < 1 || port > 65535) bad(`entry ${shown} has port ${port}, outside 1-65535`);
  return { host, ip, port };
}

/**
 * The data block of a `config get cluster` answer for `config` (what a
 * configuration endpoint sends; the inverse of `parseClusterConfig`).
 * @throws MemkitError `ERR_INVALID_ARGUMENT` for a configuration `parseClusterConfig` would refuse.
 */
export function encodeClusterConfig(config: ClusterConfig): Buffer {
  const { version, nodes } = config;
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `cluster configuration version must be a non-negative integer, got ${String(version)}`,
    );
  }
  const text = `${version}\n${nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(' ')}\n`;
  try {
    parseClusterConfig(text);
  } catch (err) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', (err as Error).message, { cause: err });
  }
  return Buffer.from(text, 'latin1');
}

/**
 * The whole answer to `config get <key>`: `CONFIG <key> 0 <bytes>\r\n<block>\r\nEND\r\n`.
 */
export function encodeConfigReply(key: string, block: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`CONFIG ${key} 0 ${block.byteLength}\r\n`, 'latin1'),
    block,
    Buffer.from('\r\nEND\r\n', 'latin1'),
  ]);
}
