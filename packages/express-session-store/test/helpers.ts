/** Promise wrappers around the store's callback API, and session fixtures. */
import type { SessionData } from 'express-session';
import type { MemkitStore } from '../src/store';

export const DAY = 24 * 3600 * 1000;

/** A session as express-session hands it to the store: a cookie with `expires` and data. */
export function sessionFor(maxAgeMs: number | null, data: Record<string, unknown> = {}): SessionData {
  const cookie = {
    originalMaxAge: maxAgeMs,
    expires: maxAgeMs === null ? null : new Date(Date.now() + maxAgeMs),
    httpOnly: true,
    path: '/',
  };
  return { cookie, ...data } as unknown as SessionData;
}

export function get(store: MemkitStore, sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));
}

export function set(store: MemkitStore, sid: string, session: SessionData): Promise<void> {
  return new Promise((resolve, reject) => store.set(sid, session, (err) => (err ? reject(err) : resolve())));
}

export function destroy(store: MemkitStore, sid: string): Promise<void> {
  return new Promise((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve())));
}

export function touch(store: MemkitStore, sid: string, session: SessionData): Promise<void> {
  return new Promise((resolve, reject) =>
    store.touch(sid, session, (err) => (err ? reject(err) : resolve())),
  );
}

export function all(store: MemkitStore): Promise<Record<string, SessionData>> {
  return new Promise((resolve, reject) => store.all((err, s) => (err ? reject(err) : resolve(s ?? {}))));
}

export function length(store: MemkitStore): Promise<number> {
  return new Promise((resolve, reject) => store.length((err, n) => (err ? reject(err) : resolve(n ?? -1))));
}

export function clear(store: MemkitStore): Promise<void> {
  return new Promise((resolve, reject) => store.clear((err) => (err ? reject(err) : resolve())));
}

/** Resolves with the error the callback got (or rejects when it got none). */
export function errorOf(run: (cb: (err?: unknown) => void) => void): Promise<unknown> {
  return new Promise((resolve, reject) =>
    run((err) => (err ? resolve(err) : reject(new Error('expected an error in the callback')))),
  );
}
