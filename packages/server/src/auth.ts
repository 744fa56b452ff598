/**
 * ASCII authentication, enforced per connection before any other command,
 * in the two schemes clients meet in the wild:
 * - `memcached`: memcached's `-Y <authfile>` — any `set` whose data is
 *   `<user> <password>` authenticates; until then every command gets
 *   `CLIENT_ERROR unauthenticated` and the connection stays open (replies
 *   and error lines checked against memcached 1.6.18);
 * - `memcachier`: MemCachier's scheme — the FIRST command must be
 *   `set <user> <flags> <exptime> <bytes>` with the password as data; any
 *   other first command, or wrong credentials, get an error line and the
 *   connection is closed.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { MemkitError, type Request } from '@memkit/protocol';
import type { ReplyBatch } from './reply';

/** One user. */
export interface Credentials {
  /** 1-250 printable ASCII characters (MemCachier's goes on the wire as a key). */
  username: string;
  /** Any string (memcached's scheme sends it after the first space, MemCachier's as the value). */
  password: string;
}

/** The `auth` option: one user, or several (as lines of memcached's authfile). */
export type AuthOptions = (
  | Credentials
  | {
      /** Several users, as the lines of memcached's authfile. */
      users: readonly Credentials[];
    }
) & {
  /** Default `'memcached'`. */
  mode?: 'memcached' | 'memcachier';
};

/** Resolved auth settings. */
export interface AuthSettings {
  mode: 'memcached' | 'memcachier';
  users: readonly Credentials[];
}

/** What the connection does with a request while it is not authenticated. */
export type AuthStep = 'authenticated' | 'refused' | 'close';

/** Validates the `auth` option. */
export function resolveAuth(auth: AuthOptions | undefined): AuthSettings | undefined {
  if (auth === undefined) return undefined;
  const mode = auth.mode ?? 'memcached';
  if (mode !== 'memcached' && mode !== 'memcachier') {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `startServer: auth.mode must be 'memcached' or 'memcachier', got ${String(mode)}`,
    );
  }
  const users = 'users' in auth ? auth.users : [auth];
  if (users.length === 0)
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'startServer: auth needs at least one user');
  for (const u of users) {
    if (
      typeof u.username !== 'string' ||
      !/^[\x21-\x7e]{1,250}$/.test(u.username) ||
      typeof u.password !== 'string'
    ) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        'startServer: auth user names must be 1-250 printable ASCII characters, passwords strings',
      );
    }
  }
  return { mode, users: users.map((u) => ({ username: u.username, password: u.password })) };
}

/**
 * Users of a memcached authfile (`-Y`): one `user:password` per line.
 * @throws MemkitError `ERR_INVALID_ARGUMENT` on a line without a colon.
 */
export function parseAuthFile(text: string): Credentials[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '')
    .map((line, i) => {
      const colon = line.indexOf(':');
      if (colon <= 0)
        throw new MemkitError('ERR_INVALID_ARGUMENT', `authfile line ${i + 1} is not user:password`);
      return { username: line.slice(0, colon), password: line.slice(colon + 1) };
    });
}

function same(a: string, b: Buffer): boolean {
  const x = Buffer.from(a, 'utf8');
  return x.length === b.length && timingSafeEqual(x, b);
}

function matches(users: readonly Credentials[], username: string, password: Buffer): boolean {
  let ok = false;
  // Every user is compared, so the time taken says nothing about which name exists.
  for (const u of users) if (u.username === username && same(u.password, password)) ok = true;
  return ok;
}

/** Handles `req` on a connection that has not authenticated yet, writing the reply to `out`. */
export function authenticate(auth: AuthSettings, req: Request, out: ReplyBatch): AuthStep {
  const isSet = req.type === 'storage' && req.command === 'set';
  if (auth.mode === 'memcachier') {
    if (isSet && matches(auth.users, Buffer.from(req.key, 'latin1').toString('utf8'), req.value)) {
      out.line('STORED');
      return 'authenticated';
    }
    out.line(isSet ? 'CLIENT_ERROR authentication failure' : 'CLIENT_ERROR unauthenticated');
    return 'close';
  }
  if (!isSet) {
    out.line('CLIENT_ERROR unauthenticated');
    return 'refused';
  }
  const space = req.value.indexOf(0x20);
  if (space <= 0) {
    out.line('CLIENT_ERROR bad authentication token format');
    return 'refused';
  }
  const username = req.value.toString('utf8', 0, space);
  if (matches(auth.users, username, req.value.subarray(space + 1))) {
    out.line('STORED');
    return 'authenticated';
  }
  out.line('CLIENT_ERROR authentication failure');
  return 'refused';
}
