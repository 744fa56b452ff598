/**
 * Server-wide commands: `flush_all`, `version`, `verbosity`,
 * `cache_memlimit`, the `lru_crawler` family (with `metadump`), `shutdown`,
 * and the admin commands memkit accepts without implementing.
 */
import type {
  FlushAllRequest,
  LruCrawlerRequest,
  MemLimitRequest,
  MetadumpRequest,
  UnsupportedRequest,
  VerbosityRequest,
} from '@memkit/protocol';
import type { Context } from '../context';
import { uriEncode } from './meta-format';

const BADCLASS = 'BADCLASS invalid class id';

/** memcached's `MAX_VERBOSITY_LEVEL`. */
const MAX_VERBOSITY = 2;

/** `flush_all [delay] [noreply]`. */
export function handleFlushAll(ctx: Context, req: FlushAllRequest): void {
  ctx.counters.cmdFlush++;
  ctx.store.flush(req.delay);
  if (!req.noreply) ctx.out.line('OK');
}

/** `version`. */
export function handleVersion(ctx: Context): void {
  ctx.out.line(`VERSION ${ctx.settings.version}`);
}

/** `verbosity <level> [noreply]`. */
export function handleVerbosity(ctx: Context, req: VerbosityRequest): void {
  ctx.settings.verbosity = Math.min(req.level, MAX_VERBOSITY);
  if (!req.noreply) ctx.out.line('OK');
}

/** `cache_memlimit <megabytes> [noreply]`: items beyond a lowered limit are evicted as new ones arrive. */
export function handleMemLimit(ctx: Context, req: MemLimitRequest): void {
  ctx.store.limit = req.megabytes * 1024 * 1024;
  ctx.settings.memoryLimitMb = req.megabytes;
  if (!req.noreply) ctx.out.line('OK');
}

/** `lru_crawler crawl|sleep|tocrawl|enable|disable`. There is no crawler thread; expiry is lazy. */
export function handleLruCrawler(ctx: Context, req: LruCrawlerRequest): void {
  const { crawler } = ctx;
  switch (req.action) {
    case 'enable':
      if (crawler.enabled) {
        ctx.out.line('ERROR failed to start lru crawler thread');
        return;
      }
      crawler.enabled = true;
      break;
    case 'disable':
      crawler.enabled = false;
      break;
    case 'crawl':
      if (!crawler.enabled) {
        ctx.out.line('CLIENT_ERROR lru crawler disabled');
        return;
      }
      if (req.classes === 'invalid') {
        ctx.out.line(BADCLASS);
        return;
      }
      break;
    default:
      break;
  }
  ctx.out.line('OK');
}

/** `lru_crawler metadump <all|hash|ids>`: one line per live item, then `END`. */
export function handleMetadump(ctx: Context, req: MetadumpRequest): void {
  const { out, store, crawler } = ctx;
  if (!crawler.enabled) {
    out.line('CLIENT_ERROR lru crawler disabled');
    return;
  }
  // memcached hands the socket to its crawler thread, so it refuses replies queued ahead of it.
  if (!out.isEmpty) {
    out.line('ERROR cannot pipeline other commands before metadump');
    return;
  }
  if (req.classes === 'invalid') {
    out.line(BADCLASS);
    return;
  }
  const classes = Array.isArray(req.classes) ? new Set(req.classes) : undefined;
  const now = ctx.clock.now();
  const lines: string[] = [];
  for (const item of store.values()) {
    if (store.isDead(item, now)) continue;
    if (classes !== undefined && !classes.has(item.cls)) continue;
    lines.push(
      `key=${uriEncode(item.key)} exp=${item.exptime === 0 ? -1 : item.exptime} la=${item.time} cas=${item.cas} ` +
        `fetch=${item.fetched ? 'yes' : 'no'} cls=${item.cls} size=${item.total}\n`,
    );
  }
  // Item lines end in a bare LF, exactly like memcached's.
  out.raw(lines.join(''));
  out.line('END');
}

/** `shutdown`: disabled, as in a memcached started without `-A`. */
export function handleShutdown(ctx: Context): void {
  ctx.out.line('ERROR: shutdown not enabled');
}

/** Admin commands memkit accepts without effect (`slabs`, `lru`), or refuses (`watch`). */
export function handleUnsupported(ctx: Context, req: UnsupportedRequest): void {
  if (req.command === 'watch') {
    ctx.out.line('CLIENT_ERROR watch commands not allowed');
    return;
  }
  if (!req.noreply) ctx.out.line('OK');
}
