/**
 * `MemkitStore`: express-session's `Store` on memcached. It translates
 * express-session's callbacks, millisecond cookies and session IDs into
 * client calls and owns nothing else, so it cannot drift from the client:
 * hashing, failover, timeouts, the > 30 days rule and the key mapping that
 * makes any session ID a key live in `@memkit/client`.
 */
import { Client, DIGEST_MARKER, type KeyFailure, MemkitError } from '@memkit/client';
import { type SessionData, Store } from 'express-session';
import { chunks, deleteRawKeys, keepPartial, listKeys, settlePartial } from './listing';
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
 *   Any session ID works (custom `genid`): one that is not a valid memcached
 *   key is sent as a binary key or in a digest form (see the README).
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
  /** The client's view for session keys: prefix `client.keyPrefix + prefix`, every session ID mapped. */
  private readonly sessions: Client;
  private walks: Promise<unknown> = Promise.resolve();

  constructor(options: MemkitStoreOptions = {}) {
    super();
    this.options = resolveStoreOptions(options);
    this.prefix = this.options.prefix;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new Client({ servers: options.servers ?? ['127.0.0.1:11211'] });
    this.sessions = this.client.withKeyOptions({
      keyPrefix: this.client.keyPrefix + this.prefix,
      keyMapping: 'auto',
    });
  }

  /** The session stored under `sid`, or `null` when there is none (or it expired). */
  get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(async () => {
      const key = this.key(sid);
      const stored = await this.sessions.get(key);
      if (stored === undefined) return null;
      const session = this.decode(sid, stored);
      // Without a memcached TTL nothing else ends a session whose cookie has expired.
      if (this.options.disableTTL && sessionTtlMs(session, undefined) <= 0) {
        await this.sessions.delete(key);
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
        await this.sessions.delete(key);
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
      await this.sessions.set(key, text, { ttl: this.options.disableTTL ? 0 : toTtlSeconds(ms) });
    }, callback);
  }

  /** Deletes the session (a missing one is not an error). */
  destroy(sid: string, callback?: (err?: unknown) => void): void {
    settle(async () => {
      await this.sessions.delete(this.key(sid));
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
      if (ms <= 0) await this.sessions.delete(key);
      else await this.sessions.touch(key, toTtlSeconds(ms));
    }, callback);
  }

  /**
   * Every session of this store, keyed by session ID (the shape of
   * express-session's MemoryStore). Walks the whole cache: an admin operation.
   * Sessions whose ID was stored in the digest form (IDs too long for a
   * memcached key) cannot be named and are left out.
   */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    settle(async () => {
      const sessions: Record<string, SessionData> = {};
      const { ids, failures } = await this.walk();
      for (const batch of chunks(ids)) {
        const hits = await keepPartial(this.sessions.getMulti(batch), failures);
        for (const [sid, stored] of hits) sessions[sid] = this.decode(sid, stored);
      }
      return settlePartial('all', sessions, failures);
    }, callback);
  }

  /** How many sessions this store holds (all of them). Walks the whole cache: an admin operation. */
  override length(callback: (err: unknown, length?: number) => void): void {
    settle(async () => {
      const { ids, digests, failures } = await this.walk();
      return settlePartial('length', ids.length + digests.length, failures);
    }, callback);
  }

  /** Deletes this store's sessions, and nothing else. Walks the whole cache: an admin operation. */
  override clear(callback?: (err?: unknown) => void): void {
    settle(async () => {
      const { ids, digests, failures } = await this.walk();
      for (const batch of chunks(ids)) await keepPartial(this.sessions.deleteMulti(batch), failures);
      await deleteRawKeys(this.client, digests, failures);
      settlePartial('clear', undefined, failures);
    }, callback);
  }

  /**
   * The session IDs of this store (promise-based). Walks the whole cache: an
   * admin operation. IDs stored in the digest form are left out (see `all`).
   * Rejects with ERR_PARTIAL_FAILURE (the IDs found in `partial`) when some
   * servers could not be walked.
   */
  async ids(): Promise<string[]> {
    const { ids, failures } = await this.walk();
    return settlePartial('ids', ids, failures);
  }

  /** Closes the client if the store created it; a client passed in is left open. */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /** Closes the store (same as `close()`), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private key(sid: string): string {
    if (typeof sid !== 'string') {
      throw new MemkitError('ERR_KEY_INVALID', `a session ID must be a string, got ${typeof sid}`);
    }
    return sid;
  }

  /**
   * This store's keys, from a walk of the whole cache (`client.metadump`, on
   * a connection of its own): the session IDs that can be named, and the
   * full memcached keys of sessions stored in the digest form.
   */
  private async walk(): Promise<{ ids: string[]; digests: string[]; failures: KeyFailure[] }> {
    const head = this.client.keyPrefix + this.prefix;
    // memcached runs one crawler request at a time (a second one gets SERVER_ERROR BUSY): one walk at a time.
    const list = () => listKeys(this.client, head, this.options.scanTimeout);
    const next = this.walks.then(list, list);
    this.walks = next.catch(() => undefined);
    const { keys, failures } = await next;
    const ids: string[] = [];
    const digests: string[] = [];
    for (const key of keys) {
      if (key.startsWith(DIGEST_MARKER, head.length)) digests.push(key);
      else ids.push(key.slice(head.length));
    }
    return { ids, digests, failures };
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
