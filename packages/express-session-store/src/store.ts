/**
 * `MemkitStore`: express-session's `Store` on memcached. It translates
 * express-session's callbacks, millisecond cookies and session IDs into
 * client calls and owns nothing else, so it cannot drift from the client:
 * hashing, failover, timeouts and the > 30 days rule live in `@memkit/client`.
 */
import { Client } from '@memkit/client';
import { MemkitError } from '@memkit/protocol';
import { type SessionData, Store } from 'express-session';
import { chunks, listKeys } from './listing';
import { type MemkitStoreOptions, type ResolvedStoreOptions, resolveStoreOptions } from './options';
import { sessionTtlMs, toTtlSeconds } from './ttl';

const utf8 = new TextDecoder();

type Callback<T = void> = (err: unknown, value?: T) => void;

/**
 * Reports a promise's outcome to an express-style callback. The callback runs
 * on a fresh tick so that a throw inside it is not turned into a rejection of
 * this promise (and so cannot call it a second time).
 */
function settle<T>(work: () => Promise<T>, cb: Callback<T> | undefined): void {
  let promise: Promise<T>;
  try {
    promise = work();
  } catch (err) {
    promise = Promise.reject(err);
  }
  promise.then(
    (value) => {
      if (cb) process.nextTick(cb, null, value);
    },
    (err: unknown) => {
      // Without a callback there is nobody to tell; never let it become an unhandled rejection.
      if (cb) process.nextTick(cb, err);
    },
  );
}

/**
 * An express-session store on memcached.
 *
 * - Sessions are stored as JSON text (flags 16) under `prefix + sid`, for as
 *   long as the cookie lives (rounded up to seconds; cookies over 30 days work).
 * - `touch` extends the expiry in place (memcached `touch`), never rewriting the session.
 * - `all`/`length`/`clear`/`ids` walk the cache with `lru_crawler metadump`:
 *   admin operations whose cost grows with the whole cache.
 * - Every memcached error reaches the callback as a `MemkitError`; none is thrown.
 *
 * @example
 * import session from 'express-session';
 * import { MemkitStore } from '@memkit/express-session';
 * app.use(session({
 *   secret: process.env.SESSION_SECRET!,
 *   resave: false,
 *   saveUninitialized: false,
 *   cookie: { maxAge: 90 * 24 * 3600 * 1000 },
 *   store: new MemkitStore({ servers: ['127.0.0.1:11211'] }),
 * }));
 */
export class MemkitStore extends Store {
  /** The client this store talks through. */
  readonly client: Client;
  /** The key prefix of this store's sessions. */
  readonly prefix: string;
  private readonly options: ResolvedStoreOptions;
  private readonly ownsClient: boolean;
  private readonly servers: readonly string[];
  private walker: Client | undefined;
  private walks: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: MemkitStoreOptions = {}) {
    super();
    this.options = resolveStoreOptions(options);
    this.prefix = this.options.prefix;
    this.ownsClient = options.client === undefined;
    this.servers = options.servers ?? ['127.0.0.1:11211'];
    this.client = options.client ?? new Client({ servers: this.servers });
  }

  /** The session stored under `sid`, or `null` when there is none (or it expired). */
  get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(async () => {
      const key = this.key(sid);
      const stored = await this.client.get(key);
      if (stored === undefined) return null;
      const session = this.decode(sid, stored);
      // Without a memcached TTL nothing else ends a session whose cookie has expired.
      if (this.options.disableTTL && sessionTtlMs(session, undefined) <= 0) {
        await this.client.delete(key);
        return null;
      }
      return session;
    }, callback);
  }

  /** Stores `session` for its cookie's lifetime; an already expired session is deleted instead. */
  set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    settle(async () => {
      const key = this.key(sid);
      const ms = sessionTtlMs(session, this.options.ttl);
      if (ms <= 0) {
        await this.client.delete(key);
        return;
      }
      let text: string;
      try {
        text = this.options.serializer.stringify(session);
      } catch (cause) {
        throw new MemkitError('ERR_INVALID_ARGUMENT', `session ${JSON.stringify(sid)} cannot be serialized`, {
          cause,
        });
      }
      if (typeof text !== 'string') {
        throw new MemkitError(
          'ERR_INVALID_ARGUMENT',
          `serializer.stringify returned ${typeof text}, not a string`,
        );
      }
      await this.client.set(key, text, { ttl: this.options.disableTTL ? 0 : toTtlSeconds(ms) });
    }, callback);
  }

  /** Deletes the session (a missing one is not an error). */
  destroy(sid: string, callback?: (err?: unknown) => void): void {
    settle(async () => {
      await this.client.delete(this.key(sid));
    }, callback);
  }

  /**
   * Extends the session's life to its cookie's new expiry with memcached's
   * `touch` (meta `mg <key> T<ttl>`), leaving the stored bytes as they are.
   * An already expired session is deleted; a missing one stays missing.
   */
  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    if (this.options.disableTouch || this.options.disableTTL) {
      if (callback) process.nextTick(callback);
      return;
    }
    settle(async () => {
      const key = this.key(sid);
      const ms = sessionTtlMs(session, this.options.ttl);
      if (ms <= 0) await this.client.delete(key);
      else await this.client.touch(key, toTtlSeconds(ms));
    }, callback);
  }

  /**
   * Every session of this store, keyed by session ID (the shape of
   * express-session's MemoryStore). Walks the whole cache: an admin operation.
   */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    settle(async () => {
      const sessions: Record<string, SessionData> = {};
      for (const batch of chunks(await this.keys())) {
        const hits = await this.client.getMulti(batch);
        for (const [key, stored] of hits) {
          const sid = key.slice(this.prefix.length);
          sessions[sid] = this.decode(sid, stored);
        }
      }
      return sessions;
    }, callback);
  }

  /** How many sessions this store holds. Walks the whole cache: an admin operation. */
  override length(callback: (err: unknown, length?: number) => void): void {
    settle(async () => (await this.keys()).length, callback);
  }

  /** Deletes this store's sessions, and nothing else. Walks the whole cache: an admin operation. */
  override clear(callback?: (err?: unknown) => void): void {
    settle(async () => {
      for (const batch of chunks(await this.keys())) await this.client.deleteMulti(batch);
    }, callback);
  }

  /** The session IDs of this store (promise-based). Walks the whole cache: an admin operation. */
  async ids(): Promise<string[]> {
    return (await this.keys()).map((key) => key.slice(this.prefix.length));
  }

  /** Closes the client if the store created it; a client passed in is left open. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ownsClient) await Promise.all([this.client.close(), this.walker?.close()]);
  }

  /** Closes the store (same as `close()`), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private key(sid: string): string {
    if (typeof sid !== 'string' || sid.length === 0) {
      throw new MemkitError('ERR_KEY_INVALID', 'a session ID must be a non-empty string');
    }
    return this.prefix + sid;
  }

  /**
   * memcached serves `lru_crawler metadump` only on a connection that carries
   * nothing else (a command pipelined before or after it fails, and so does
   * the dump), while the client pipelines every caller on one socket. So a
   * store that owns its client walks on a second client of its own, one walk
   * at a time; a store given a `client` walks on it.
   */
  private keys(): Promise<string[]> {
    const walk = (): Promise<string[]> => {
      if (this.ownsClient && !this.closed) this.walker ??= new Client({ servers: this.servers });
      return listKeys(this.walker ?? this.client, this.prefix, this.options.scanTimeout);
    };
    const next = this.walks.then(walk, walk);
    this.walks = next.catch(() => undefined);
    return next;
  }

  private decode(sid: string, stored: unknown): SessionData {
    let text: string;
    if (typeof stored === 'string') text = stored;
    else if (stored instanceof Uint8Array) text = utf8.decode(stored);
    else {
      throw new MemkitError(
        'ERR_UNSERIALIZABLE',
        `session ${JSON.stringify(sid)} is stored as ${typeof stored}, not as text: not written by this store?`,
      );
    }
    try {
      return this.options.serializer.parse(text);
    } catch (cause) {
      throw new MemkitError('ERR_UNSERIALIZABLE', `session ${JSON.stringify(sid)} cannot be parsed`, {
        cause,
      });
    }
  }
}
