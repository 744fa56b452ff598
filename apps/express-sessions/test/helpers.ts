/** Shared bits of the app tests: a quiet app start and cookie/counter readers. */
import { type StartOptions, startExpressSessions } from '../src/main';

export const quiet = (): void => undefined;

/** Starts the app on a free port against the given memcached, printing nothing. */
export function startApp(servers: string[], extra: StartOptions = {}) {
  return startExpressSessions({ port: 0, servers, log: quiet, secret: 'test-secret', ...extra });
}

/** The `memkit.sid=...` pair from a response's Set-Cookie header. */
export function sessionCookie(setCookie: string[] | string | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const pair = list.map((c) => c.split(';')[0]!).find((c) => c.startsWith('memkit.sid='));
  if (!pair) throw new Error(`no memkit.sid cookie in ${JSON.stringify(setCookie)}`);
  return pair;
}

/** The session ID inside a signed `memkit.sid=s:<sid>.<sig>` cookie. */
export function sessionId(cookie: string): string {
  const value = decodeURIComponent(cookie.slice('memkit.sid='.length));
  const match = /^s:([^.]+)\./.exec(value);
  if (!match) throw new Error(`not a signed session cookie: ${cookie}`);
  return match[1]!;
}

/** The visit counter on the signed-in page. */
export function visitsOf(html: string): number {
  const match = /id="visits">(\d+)</.exec(html);
  if (!match) throw new Error('no visit counter on the page');
  return Number(match[1]);
}

/** The app's origin without the trailing slash, for supertest paths. */
export function base(app: { url: string }): string {
  return app.url.replace(/\/$/, '');
}
