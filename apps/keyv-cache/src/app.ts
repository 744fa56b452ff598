/**
 * The Express app: `GET /api/report/:id?…` is slow to build and cached by its
 * URL (query string included, any length) through Keyv on @memkit/keyv, with
 * one load per URL across every instance; every response says whether it was
 * a hit, a miss or shared, and how long it took (JSON body, `X-Cache` and
 * `Server-Timing` headers, one log line), and each load is logged and counted.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Keyv } from 'keyv';
import { ReadThrough } from './read-through';
import { buildReport, type Report } from './report';
import { homePage, type RequestRow } from './views';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The cache: a Keyv whose store is a `KeyvMemkit`. */
  keyv: Keyv;
  /** How long building a report takes, in ms. Default 500. */
  slowMs?: number;
  /** How long reports stay cached, in ms. Default 60 000. */
  ttlMs?: number;
  /** Shown on the page: where the cache lives. */
  backend?: string;
  /** One line per request. Default: none. */
  log?: (line: string) => void;
}

/** Counters of a running app (also served by `GET /api/stats`). */
export interface AppStats {
  hits: number;
  misses: number;
  shared: number;
  /** How often the slow loader actually ran. */
  loads: number;
  /** The last requests, newest first. */
  recent: RequestRow[];
}

const ID = /^[a-z0-9-]{1,64}$/;
const RECENT = 25;

/** Builds the app (without listening), so tests can drive it with supertest. */
export function createApp(options: AppOptions): { app: Express; stats: AppStats } {
  const slowMs = options.slowMs ?? 500;
  const namespace = options.keyv.namespace ?? 'keyv';
  const stats: AppStats = { hits: 0, misses: 0, shared: 0, loads: 0, recent: [] };
  const cache = new ReadThrough({ keyv: options.keyv, ttlMs: options.ttlMs ?? 60_000 });
  const loadReport = (id: string, query: string, url: string): Promise<Report> => {
    stats.loads++;
    options.log?.(`LOAD ${url.length > 80 ? `${url.slice(0, 77)}...` : url} (loads: ${stats.loads})`);
    return buildReport(id, query, slowMs);
  };

  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    res.type('html').send(
      homePage({
        namespace,
        slowMs,
        backend: options.backend ?? 'memcached',
        rows: stats.recent,
        loads: stats.loads,
      }),
    );
  });

  app.get('/api/report/:id', async (req, res) => {
    const id = req.params.id;
    if (!ID.test(id)) {
      res.status(400).json({ error: 'report ids are 1-64 characters of a-z, 0-9 and -' });
      return;
    }
    const start = performance.now();
    // The cache key is the URL: every query string is its own entry, however long.
    const url = req.originalUrl;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const { value, status } = await cache.get(url, () => loadReport(id, query, url));
    const ms = performance.now() - start;
    if (status === 'hit') stats.hits++;
    else if (status === 'miss') stats.misses++;
    else stats.shared++;
    stats.recent.unshift({ at: new Date().toISOString(), path: url, cache: status, ms });
    stats.recent.length = Math.min(stats.recent.length, RECENT);
    options.log?.(
      `GET ${url.length > 80 ? `${url.slice(0, 77)}...` : url} ${status.toUpperCase().padEnd(6)} ${ms.toFixed(1)} ms`,
    );
    res.set('X-Cache', status.toUpperCase());
    res.set('Server-Timing', `cache;desc="${status}";dur=${ms.toFixed(1)}`);
    res.json({ report: value, cache: status, ms: Number(ms.toFixed(1)) });
  });

  app.get('/api/stats', (_req, res) => {
    res.json(stats);
  });

  app.post('/api/clear', async (_req, res) => {
    await options.keyv.clear();
    res.json({ cleared: namespace });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const code = (err as { code?: unknown }).code;
    res.status(503).json({ error: 'cache unavailable', code: typeof code === 'string' ? code : undefined });
  };
  app.use(onError);
  return { app, stats };
}
