/**
 * The configuration-endpoint mode: the node list memkit-server publishes
 * through `config get cluster` (as AWS ElastiCache and GCP Memorystore do),
 * changeable at run time, each change under a higher version. Also reads
 * the node list files of `--cluster-config <file>`.
 */

import { isIP } from 'node:net';
import {
  type ClusterConfig,
  type ClusterConfigNode,
  encodeClusterConfig,
  MemkitError,
} from '@memkit/protocol';

/**
 * A published node: `'host:port'` (an IP host is also published as the IP),
 * `'host|ip|port'` exactly as the endpoint sends it, or an object.
 */
export type ClusterNodeSpec = string | ClusterConfigNode;

/** The `clusterConfig` option: the nodes to publish, and the first version (default 1). */
export interface ClusterConfigOptions {
  /** At least one node. */
  nodes: readonly ClusterNodeSpec[];
  /** The first version published. Default 1. */
  version?: number;
}

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', `clusterConfig: ${message}`);
}

/** One node spec as the endpoint publishes it. */
export function toConfigNode(spec: ClusterNodeSpec): ClusterConfigNode {
  if (typeof spec !== 'string') return { host: spec.host, ip: spec.ip ?? '', port: spec.port };
  if (spec.includes('|')) {
    const [host = '', ip = '', port = ''] = spec.split('|');
    return { host, ip, port: /^\d+$/.test(port) ? Number(port) : Number.NaN };
  }
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(spec);
  const colon = spec.lastIndexOf(':');
  const host = bracket ? bracket[1]! : spec.slice(0, colon);
  const portText = bracket ? bracket[2]! : spec.slice(colon + 1);
  if (!bracket && (colon <= 0 || host.includes(':')))
    throw invalid(`cannot read node ${JSON.stringify(spec)}: use host:port or host|ip|port`);
  return { host, ip: isIP(host) ? host : '', port: /^\d+$/.test(portText) ? Number(portText) : Number.NaN };
}

/**
 * The nodes of a `--cluster-config` file: entries (`host:port` or
 * `host|ip|port`) separated by white space or new lines; `#` starts a comment.
 */
export function parseNodeListFile(text: string): ClusterConfigNode[] {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(/\s+/))
    .filter((e) => e !== '');
  return entries.map(toConfigNode);
}

/**
 * The published configuration (none until the first node list); every
 * change gets a higher version.
 */
export class ClusterConfigState {
  #config: ClusterConfig | undefined;
  #block: Buffer | undefined;

  constructor(options: ClusterConfigOptions | undefined) {
    if (options !== undefined) this.set(options.nodes, options.version ?? 1);
  }

  /** The configuration as published now (a copy), or `undefined` when not an endpoint. */
  get config(): ClusterConfig | undefined {
    const c = this.#config;
    return c && { version: c.version, nodes: c.nodes.map((n) => ({ ...n })) };
  }

  /** The data block `config get cluster` answers with, or `undefined` when not an endpoint. */
  get block(): Buffer | undefined {
    return this.#block;
  }

  /**
   * Publishes `nodes` under the next version (or `version`, which must be
   * higher than the current one). Returns the new configuration.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` for an invalid or empty list; the old one stays.
   */
  set(nodes: readonly ClusterNodeSpec[], version = (this.#config?.version ?? 0) + 1): ClusterConfig {
    const current = this.#config?.version ?? -1;
    if (!Number.isSafeInteger(version) || version <= current) {
      throw invalid(`the version must rise: ${version} after ${current}`);
    }
    this.#block = encodeNodes(version, nodes);
    this.#config = { version, nodes: nodes.map(toConfigNode) };
    return this.config!;
  }
}

function encodeNodes(version: number, nodes: readonly ClusterNodeSpec[]): Buffer {
  if (!Array.isArray(nodes) || nodes.length === 0) throw invalid('at least one node is needed');
  try {
    return encodeClusterConfig({ version, nodes: nodes.map(toConfigNode) });
  } catch (err) {
    throw err instanceof MemkitError ? invalid(err.message) : err;
  }
}
