/**
 * Server-level requests that are the same in both protocols: `stats`,
 * `version`, `flush_all`, `verbosity`, `lru_crawler metadump`, and the ASCII
 * authentication handshake.
 */
import { encodeMetadump, MemkitError, type MetadumpReply, type Reply } from '@memkit/protocol';
import { MORE, Request } from '../connection/request';
import type { AuthOptions } from '../options';

/** `stats [arg]`: every STAT line until END. */
export class StatsRequest extends Request<Record<string, string>> {
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
    return this.fail(reply, server);
  }
}

/** `version`. */
export class VersionRequest extends Request<string> {
  readonly command = 'version';
  constructor(line: string) {
    super();
    this.chunks = [line];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'VERSION') return this.resolve(reply.version);
    return this.fail(reply, server);
  }
}

/** Commands answered by `OK` (`flush_all`, `verbosity`). */
export class OkRequest extends Request<void> {
  constructor(
    readonly command: string,
    line: string,
  ) {
    super();
    this.chunks = [line];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'OK') return this.resolve(undefined);
    return this.fail(reply, server);
  }
}

/** `lru_crawler metadump all`: every item line until END. */
export class MetadumpRequest extends Request<MetadumpReply[]> {
  readonly command = 'lru_crawler metadump';
  private readonly items: MetadumpReply[] = [];

  constructor() {
    super();
    this.chunks = [encodeMetadump()];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'METADUMP') {
      this.items.push(reply);
      return MORE;
    }
    if (reply.type === 'END') return this.resolve(this.items);
    const err = this.errorOf(reply, server);
    if (err) {
      return this.reject(
        new MemkitError(
          'ERR_UNSUPPORTED',
          `${server}: key listing needs lru_crawler metadump (memcached >= 1.4.31 with the LRU crawler enabled): ${err.message}`,
          { server, command: this.command, cause: err },
        ),
      );
    }
    return this.unexpected(reply, server);
  }
}

/** memcached ASCII auth (`-Y`): a `set` whose data is `user pass`. */
export class AuthRequest extends Request<void> {
  readonly command = 'auth';

  constructor(auth: AuthOptions) {
    super();
    const data = Buffer.from(`${auth.username} ${auth.password}`, 'utf8');
    this.chunks = [`set auth 0 0 ${data.length}\r\n`, data, '\r\n'];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'STORED') return this.resolve(undefined);
    // Never echo the credentials: the message names the server only.
    return this.reject(
      new MemkitError('ERR_AUTH', `${server}: authentication failed (check username and password)`, {
        server,
        command: this.command,
      }),
    );
  }
}
