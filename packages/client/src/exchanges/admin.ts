/**
 * Server-level exchanges, written as text commands in every dialect that
 * speaks text: `stats`, `version`, `flush_all`, `verbosity`,
 * `lru_crawler metadump`, and the ASCII authentication handshake.
 */
import {
  encodeMetadump,
  MemkitError,
  type MetadumpReply,
  type MetadumpScope,
  type Reply,
} from '@memkit/protocol';
import type { AuthOptions } from '../options';
import { Exchange, LineExchange, MORE } from './exchange';

/** `stats [arg]`: every STAT line until END. */
export class StatsExchange extends Exchange<Record<string, string>> {
  readonly command = 'stats';
  private readonly stats: Record<string, string> = {};

  constructor(line: string) {
    super();
    this.chunks = [line];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'STAT') {
      this.stats[reply.name] = reply.value;
      return MORE;
    }
    if (reply.type === 'END') return this.resolve(this.stats);
    return this.unexpected(reply, server);
  }
}

/** `version`. */
export class VersionExchange extends Exchange<string> {
  readonly command = 'version';
  constructor(line: string) {
    super();
    this.chunks = [line];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'VERSION') return this.resolve(reply.version);
    return this.unexpected(reply, server);
  }
}

/** Commands answered by `OK` (`flush_all`, `verbosity`). */
export class OkExchange extends LineExchange<void> {
  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'OK') return this.resolve(undefined);
    return this.unexpected(reply, server);
  }
}

/**
 * `lru_crawler metadump <scope>`: every item line until END. The hash walk
 * (`scope` 'hash', memcached >= 1.6.9) lists every item once; the LRU walk
 * ('all') misses items that move between LRUs or are in use as it passes
 * (measured on 1.6.18 beside a writer: up to 17 of 500 keys being rewritten,
 * and now and then one of 5,000 only read, per dump). An older server refuses 'hash' with BADCLASS:
 * `scopeRefused` tells the caller to ask again with 'all'.
 */
export class MetadumpExchange extends Exchange<MetadumpReply[]> {
  readonly command = 'lru_crawler metadump';
  private readonly items: MetadumpReply[] = [];
  /** The server refused the hash walk (BADCLASS): it only has the LRU walk. */
  scopeRefused = false;

  constructor(readonly scope: MetadumpScope) {
    super();
    this.chunks = [encodeMetadump(scope)];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'METADUMP') {
      this.items.push(reply);
      return MORE;
    }
    if (reply.type === 'END') return this.resolve(this.items);
    return this.unexpected(reply, server);
  }

  /** Any refusal means key listing is not available there: say what it needs. */
  override onError(err: MemkitError, server: string): boolean {
    this.scopeRefused = this.scope === 'hash' && err.code === 'ERR_SERVER' && BADCLASS.test(err.message);
    return this.reject(
      new MemkitError(
        'ERR_UNSUPPORTED',
        `${server}: key listing needs lru_crawler metadump (memcached >= 1.4.31 with the LRU crawler enabled): ${err.message}`,
        { server, command: this.command, cause: err },
      ),
    );
  }
}

/** memcached's refusal of a crawl target it does not know (`hash` before 1.6.9). */
const BADCLASS = /: SERVER_ERROR BADCLASS\b/;

/**
 * ASCII auth. memcached's `-Y`: a `set` (of any key) whose data is `user
 * pass`. MemCachier's: `set <user> 0 0 <len>` whose data is the password.
 */
export class AuthExchange extends Exchange<void> {
  readonly command = 'auth';

  constructor(auth: AuthOptions) {
    super();
    if (auth.mode === 'memcachier') {
      const password = Buffer.from(auth.password, 'utf8');
      this.chunks = [`set ${auth.username} 0 0 ${password.length}\r\n`, password, '\r\n'];
      return;
    }
    const data = Buffer.from(`${auth.username} ${auth.password}`, 'utf8');
    this.chunks = [`set auth 0 0 ${data.length}\r\n`, data, '\r\n'];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'STORED') return this.resolve(undefined);
    return this.refused(server);
  }

  override onError(_err: MemkitError, server: string): boolean {
    return this.refused(server);
  }

  /** Never echoes the credentials: the message names the server only. */
  private refused(server: string): boolean {
    return this.reject(
      new MemkitError('ERR_AUTH', `${server}: authentication failed (check username and password)`, {
        server,
        command: this.command,
      }),
    );
  }
}
