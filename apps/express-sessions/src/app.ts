/**
 * The Express 5 app: log in with any name, a per-session visit counter,
 * log out, and a page listing the active sessions via `store.all()`. Sessions
 * live in memcached through `MemkitStore`, so any number of instances that
 * share the memcached servers (and the secret) share the sessions.
 */
import type { MemkitStore } from '@memkit/express-session';
import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import session, { type SessionData } from 'express-session';
import { errorPage, homePage, loginPage, type SessionRow, sessionsPage } from './views';

declare module 'express-session' {
  interface SessionData {
    name?: string;
    visits?: number;
  }
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where sessions live. */
  store: MemkitStore;
  /** Cookie signing secret; every instance that shares sessions needs the same one. */
  secret: string;
  /** Shown on every page, so you can tell instances apart (e.g. `'127.0.0.1:3000'`); `app.locals.instance` changes it. */
  instance: string;
  /** Session cookie lifetime in ms. Default 31 days: longer than memcached's 30-day relative TTL limit. */
  cookieMaxAgeMs?: number;
}

/** 31 days: a cookie that connect-memcached would lose at once. */
export const DEFAULT_COOKIE_MAX_AGE_MS = 31 * 24 * 3600 * 1000;

const MAX_NAME_LENGTH = 64;

function promisify(fn: (cb: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

function allSessions(store: MemkitStore): Promise<Record<string, SessionData>> {
  return new Promise((resolve, reject) =>
    store.all((err, sessions) => (err ? reject(err) : resolve(sessions ?? {}))),
  );
}

function rowsOf(sessions: Record<string, SessionData>, req: Request): SessionRow[] {
  return Object.entries(sessions)
    .filter(([, s]) => typeof s.name === 'string')
    .map(([sid, s]) => ({
      id: sid.slice(0, 6),
      name: s.name!,
      visits: s.visits ?? 0,
      expires: s.cookie?.expires ? new Date(s.cookie.expires).toISOString() : 'end of browser session',
      current: sid === req.sessionID,
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Builds the app (without listening), so tests can drive it with supertest. */
export function createApp(options: AppOptions): Express {
  const { store } = options;
  const app = express();
  // Read at render time: main.ts learns the real port only after listening.
  app.locals.instance = options.instance;
  const instance = (): string => String(app.locals.instance);
  app.disable('x-powered-by');
  // Before the session middleware: browsers ask for it on every page, and it needs no session.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(express.urlencoded({ extended: false, limit: '4kb' }));
  app.use(
    session({
      store,
      secret: options.secret,
      name: 'memkit.sid',
      resave: false,
      saveUninitialized: false,
      cookie: {
        maxAge: options.cookieMaxAgeMs ?? DEFAULT_COOKIE_MAX_AGE_MS,
        httpOnly: true,
        sameSite: 'lax',
      },
    }),
  );

  app.get('/', (req, res) => {
    res.type('html');
    if (!req.session.name) {
      res.send(loginPage(instance()));
      return;
    }
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.send(homePage(instance(), req.session.name, req.session.visits));
  });

  app.post('/login', async (req, res) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim() : '';
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      res
        .status(400)
        .type('html')
        .send(loginPage(instance(), `Enter a name of 1 to ${MAX_NAME_LENGTH} characters.`));
      return;
    }
    // A new session ID at login, so an ID planted before login is worthless (session fixation).
    await promisify((cb) => req.session.regenerate(cb));
    req.session.name = name;
    req.session.visits = 0;
    await promisify((cb) => req.session.save(cb));
    res.redirect(303, '/');
  });

  app.post('/logout', async (req, res) => {
    await promisify((cb) => req.session.destroy(cb));
    res.clearCookie('memkit.sid', { path: '/' });
    res.redirect(303, '/');
  });

  app.get('/sessions', async (req, res) => {
    const rows = rowsOf(await allSessions(store), req);
    res.type('html').send(sessionsPage(instance(), rows));
  });

  /** The session as JSON, without counting a visit (for scripts and tests). */
  app.get('/api/session', (req, res) => {
    res.json({ instance: instance(), name: req.session.name ?? null, visits: req.session.visits ?? 0 });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const code = typeof err?.code === 'string' ? `${err.code}: ` : '';
    // Client errors (a malformed form) keep their 4xx; anything else here is the session store failing.
    const status = typeof err?.status === 'number' && err.status < 500 ? err.status : 503;
    res
      .status(status)
      .type('html')
      .send(errorPage(instance(), `${code}${err instanceof Error ? err.message : String(err)}`));
  };
  app.use(onError);
  return app;
}
