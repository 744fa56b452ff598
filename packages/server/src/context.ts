/**
 * What a command handler can reach: the store, the counters, the clock, the
 * server settings and connection list (for `stats`), and the reply batch of
 * the connection it runs on.
 */
import type { AuthSettings } from './auth';
import type { ClusterConfigState } from './cluster-config';
import type { ReplyBatch } from './reply';
import type { Counters } from './stats/counters';
import type { Clock } from './store/clock';
import type { Store } from './store/store';

/** The resolved server settings (what `stats settings` reports). */
export interface Settings {
  host: string;
  port: number;
  memoryLimitMb: number;
  maxItemSize: number;
  maxConnections: number;
  /** 0 = quiet, 1 = `-v`, 2 = `-vv` (commands), like memcached. */
  verbosity: number;
  version: string;
  /** Whether meta commands are spoken (off: they are unknown commands). */
  meta: boolean;
}

/** A live client connection, as `stats conns` sees it. */
export interface ConnectionView {
  readonly id: number;
  readonly remote: string;
  readonly local: string;
  readonly lastCommandAt: number;
}

/** Server-wide state shared by every connection. */
export interface ServerState {
  readonly store: Store;
  readonly counters: Counters;
  readonly clock: Clock;
  readonly settings: Settings;
  readonly connections: ReadonlySet<ConnectionView>;
  /** The node list published through `config get cluster`, when the server is a configuration endpoint. */
  readonly cluster: ClusterConfigState;
  /** ASCII authentication every connection must pass first, when enabled. */
  readonly auth: AuthSettings | undefined;
  /** The (virtual) LRU crawler's on/off switch, which gates `metadump`. */
  readonly crawler: { enabled: boolean };
  /** Writes a log line when verbose. */
  log(level: number, line: string): void;
}

/** The context a command handler runs in. */
export interface Context extends ServerState {
  /** Replies to the current input chunk. */
  readonly out: ReplyBatch;
  /** The connection the command came from. */
  readonly conn: ConnectionView;
}
