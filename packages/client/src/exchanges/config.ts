/**
 * Reading a cluster configuration from a configuration endpoint:
 * `config get cluster` (memcached >= 1.4.14 engines), and `get
 * AmazonElastiCache:cluster` for the older ones that answer the first with
 * `ERROR`. The data block is parsed strictly (`parseClusterConfig`); a block
 * that does not parse is a bad answer (ERR_DISCOVERY), not a broken stream,
 * so the connection is kept.
 */
import {
  type ClusterConfig,
  encodeConfigGet,
  encodeGet,
  LEGACY_CLUSTER_CONFIG_KEY,
  MemkitError,
  parseClusterConfig,
  type Reply,
} from '@memkit/protocol';
import { Exchange, MORE } from './exchange';

/** The endpoint has no `config` command (it answered a bare `ERROR`). */
export const NO_CONFIG_COMMAND = 'no-config-command';

abstract class ClusterConfigReading<R> extends Exchange<R> {
  private config: ClusterConfig | undefined;
  private bad: MemkitError | undefined;

  /** Parses one configuration block (the only one this exchange may get). */
  protected block(value: Uint8Array, server: string, reply: Reply): boolean {
    if (this.started) return this.unexpected(reply, server);
    try {
      this.config = parseClusterConfig(value);
    } catch (err) {
      this.bad = new MemkitError(
        'ERR_DISCOVERY',
        `${server}: bad cluster configuration: ${(err as Error).message}`,
        { server, command: this.command, cause: err },
      );
    }
    return MORE;
  }

  /** `END`: the answer is complete. */
  protected end(server: string): boolean {
    if (this.bad) return this.reject(this.bad);
    if (this.config) return this.resolve(this.config as R);
    return this.reject(
      new MemkitError(
        'ERR_DISCOVERY',
        `${server} publishes no cluster configuration (${this.command} found nothing)`,
        { server, command: this.command },
      ),
    );
  }

  protected get started(): boolean {
    return this.config !== undefined || this.bad !== undefined;
  }
}

/** `config get cluster`: the configuration, or `NO_CONFIG_COMMAND` when the endpoint does not know the command. */
export class ConfigGetClusterExchange extends ClusterConfigReading<ClusterConfig | typeof NO_CONFIG_COMMAND> {
  readonly command = 'config get cluster';

  constructor() {
    super();
    this.chunks = [encodeConfigGet()];
  }

  onReply(reply: Reply, server: string): boolean {
    switch (reply.type) {
      case 'CONFIG':
        if (reply.key !== 'cluster') return this.unexpected(reply, server);
        return this.block(reply.value, server, reply);
      case 'END':
        return this.end(server);
      default:
        return this.unexpected(reply, server);
    }
  }

  /** A bare `ERROR` before any block: an engine without `config` (the caller falls back). */
  override onUnknownCommand(err: MemkitError, server: string): boolean {
    if (this.started) return this.onError(err, server);
    return this.resolve(NO_CONFIG_COMMAND);
  }
}

/** `get AmazonElastiCache:cluster`: the configuration as an item (engines before memcached 1.4.14). */
export class LegacyClusterGetExchange extends ClusterConfigReading<ClusterConfig> {
  readonly command = `get ${LEGACY_CLUSTER_CONFIG_KEY}`;

  constructor() {
    super();
    this.chunks = [encodeGet('get', [LEGACY_CLUSTER_CONFIG_KEY])];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'VALUE') {
      if (reply.key !== LEGACY_CLUSTER_CONFIG_KEY) return this.unexpected(reply, server);
      return this.block(reply.value, server, reply);
    }
    if (reply.type === 'END') return this.end(server);
    return this.unexpected(reply, server);
  }
}
