/**
 * The probe of `protocol: 'auto'`: which dialect a server speaks, learned on
 * its first connection from `version` and `mn`, pipelined (one round trip,
 * no item read or written, no statistic moved but `cmd` counters of those
 * two commands).
 *
 * - `mn` answered `MN` by a server that does not report a memcached release
 *   before 1.6.10: the meta protocol as memkit writes it.
 * - `mn` answered `MN` by memcached 1.6.0–1.6.9 (AWS ElastiCache 1.6.6
 *   among them): text. Those releases speak a pre-release meta dialect
 *   (`OK` where 1.6.10 answers `HD`, no base64 keys), which `mn` alone
 *   cannot tell apart.
 * - `ERROR` (no meta protocol at all), `CLIENT_ERROR`, or any other reply to
 *   `mn`: text.
 * - `SERVER_ERROR`, `ERROR <reason>`, an auth refusal: the server refused
 *   service, which says nothing about its protocol; the probe fails with
 *   that error and runs again on the next connection.
 */
import { encodeVersion, type MemkitError, type Reply } from '@memkit/protocol';
import { Exchange, MORE } from './exchange';

/** What the probe learned. */
export interface ProtocolVerdict {
  /** The dialect to use for the server. */
  protocol: 'meta' | 'text';
  /** Why, in words (for the `protocol` event and diagnostics). */
  reason: string;
  /** The server's `version` answer, when it gave one. */
  version: string | undefined;
}

/** The first memcached release whose meta protocol memkit writes (`HD`, base64 keys). */
const FIRST_META_RELEASE = [1, 6, 10] as const;

/**
 * True when `version` names a memcached release before 1.6.10 (whose meta
 * commands, if any, are the pre-release dialect). Anything that does not
 * read as `major.minor.patch` is not judged by its version.
 */
export function isPreReleaseMeta(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  for (let i = 0; i < 3; i++) {
    if (v[i] !== FIRST_META_RELEASE[i]) return v[i]! < FIRST_META_RELEASE[i]!;
  }
  return false;
}

export class ProtocolProbeExchange extends Exchange<ProtocolVerdict> {
  readonly command = 'protocol probe';
  /** Replies seen: the first answers `version`, the second `mn`. */
  private replies = 0;
  private version: string | undefined;

  constructor() {
    super();
    this.chunks = [`${encodeVersion()}mn\r\n`];
    this.keyCount = 0;
  }

  onReply(reply: Reply, server: string): boolean {
    if (this.replies++ === 0) {
      if (reply.type !== 'VERSION') return this.unexpected(reply, server);
      this.version = reply.version;
      return MORE;
    }
    if (reply.type === 'MN') {
      if (isPreReleaseMeta(this.version)) {
        return this.text(
          `memcached ${this.version} speaks a pre-release meta protocol (OK where 1.6.10 answers HD)`,
        );
      }
      return this.resolve({ protocol: 'meta', reason: 'answered mn with MN', version: this.version });
    }
    return this.text(`answered mn with ${reply.type}, not MN`);
  }

  /** A bare `ERROR`: to `mn`, the server has no meta protocol; to `version`, it is odd but not fatal. */
  override onUnknownCommand(_err: MemkitError, _server: string): boolean {
    if (this.replies++ === 0) return MORE;
    return this.text('answered mn with ERROR (no meta protocol)');
  }

  override onError(err: MemkitError, _server: string): boolean {
    const first = this.replies++ === 0;
    // A refusal of service says nothing about the protocol: fail, and probe again later.
    if (err.code !== 'ERR_CLIENT_ERROR') {
      this.pendingError ??= err;
      return first ? MORE : this.reject(this.pendingError);
    }
    if (first) return MORE;
    if (this.pendingError) return this.reject(this.pendingError);
    return this.text(`answered mn with CLIENT_ERROR (${err.message})`);
  }

  private text(reason: string): boolean {
    if (this.pendingError) return this.reject(this.pendingError);
    return this.resolve({ protocol: 'text', reason, version: this.version });
  }
}
