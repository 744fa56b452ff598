/**
 * Parsing of the classic text commands (storage, retrieval, delete,
 * incr/decr, touch, stats, flush_all, admin commands) into typed requests,
 * with the argument-count rules and error lines of memcached 1.6.18's
 * `process_command_ascii`. Every error string here was checked against the
 * real daemon.
 */
import { safeStrtol, safeStrtoul, safeStrtoull } from './c-number';
import {
  BAD_FORMAT,
  bad,
  done,
  KEY_MAX_LENGTH,
  type LineOutcome,
  MAX_DATA_LENGTH,
  TOO_LARGE,
} from './outcome';
import { hasNoreply, type Tokens } from './tokenize';
import type { CrawlerClasses, StorageCommand } from './types';

const INVALID_EXPTIME = 'CLIENT_ERROR invalid exptime argument';

/** Parses a classic command. `maxValueLength` bounds the data blocks read into memory. */
export function parseTextCommand(t: Tokens, maxValueLength: number): LineOutcome {
  const name = t.all[0]!;
  switch (name) {
    case 'set':
    case 'add':
    case 'replace':
    case 'append':
    case 'prepend':
      if (t.n !== 6 && t.n !== 7) return bad('ERROR');
      return parseStorage(t, name, maxValueLength);
    case 'cas':
      if (t.n !== 7 && t.n !== 8) return bad('ERROR');
      return parseStorage(t, name, maxValueLength);
    case 'get':
    case 'gets':
    case 'gat':
    case 'gats':
    case 'bget':
      if (t.n < 3) return bad('ERROR');
      return parseRetrieval(t, name === 'bget' ? 'get' : name);
    case 'delete':
      if (t.n < 3 || t.n > 5) return bad('ERROR');
      return parseDelete(t);
    case 'incr':
    case 'decr':
      if (t.n !== 4 && t.n !== 5) return bad('ERROR');
      return parseArithmetic(t, name);
    case 'touch':
      if (t.n !== 4 && t.n !== 5) return bad('ERROR');
      return parseTouch(t);
    case 'stats':
      return done({ type: 'stats', args: t.all.slice(1) });
    case 'flush_all':
      if (t.n < 2 || t.n > 4) return bad('ERROR');
      return parseFlushAll(t);
    case 'version':
    case 'quit':
    case 'shutdown':
      return done({ type: name });
    case 'verbosity': {
      if (t.n !== 3 && t.n !== 4) return bad('ERROR');
      const noreply = hasNoreply(t);
      const level = safeStrtoul(t.all[1]!);
      if (level === undefined) return bad(BAD_FORMAT, noreply);
      return done({ type: 'verbosity', level, noreply });
    }
    case 'cache_memlimit':
      if (t.n !== 3 && t.n !== 4) return bad('ERROR');
      return parseMemLimit(t);
    case 'lru_crawler':
      return parseLruCrawler(t);
    case 'slabs':
      if ((t.n === 5 && t.all[1] === 'reassign') || (t.n >= 4 && t.all[1] === 'automove')) {
        return done({ type: 'unsupported', command: 'slabs', noreply: hasNoreply(t) });
      }
      return bad('ERROR');
    case 'lru':
      if (t.n < 3) return bad('ERROR');
      return done({ type: 'unsupported', command: 'lru', noreply: hasNoreply(t) });
    case 'watch':
      return done({ type: 'unsupported', command: 'watch', noreply: hasNoreply(t) });
    case 'config':
      // Only engines with a cluster configuration know it; plain memcached answers ERROR.
      if (t.n !== 4 || t.all[1] !== 'get' || t.all[2]!.length > KEY_MAX_LENGTH) return bad('ERROR');
      return done({ type: 'config', key: t.all[2]! });
    case 'refresh_certs':
      // What a TLS-capable 1.6.18 build answers when TLS is not enabled.
      return bad('Error TLS not enabled', hasNoreply(t));
    default:
      return bad('ERROR');
  }
}

function parseStorage(t: Tokens, command: StorageCommand, maxValueLength: number): LineOutcome {
  const noreply = hasNoreply(t);
  const key = t.all[1]!;
  if (key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT, noreply);
  const flags = safeStrtoul(t.all[2]!);
  const exptime = safeStrtol(t.all[3]!);
  const bytes = safeStrtol(t.all[4]!);
  if (flags === undefined || exptime === undefined || bytes === undefined) return bad(BAD_FORMAT, noreply);
  let cas = 0n;
  if (command === 'cas') {
    const parsed = safeStrtoull(t.all[5]!);
    if (parsed === undefined) return bad(BAD_FORMAT, noreply);
    cas = parsed;
  }
  if (bytes < 0 || bytes > MAX_DATA_LENGTH) return bad(BAD_FORMAT, noreply);
  if (bytes > maxValueLength) {
    return {
      kind: 'swallow',
      bytes: bytes + 2,
      request: { type: 'bad', message: TOO_LARGE, noreply, tooLarge: { command, key } },
    };
  }
  return { kind: 'data', bytes, header: { type: 'storage', command, key, flags, exptime, cas, noreply } };
}

function parseRetrieval(t: Tokens, command: 'get' | 'gets' | 'gat' | 'gats'): LineOutcome {
  let first = 1;
  let exptime = 0;
  if (command === 'gat' || command === 'gats') {
    const parsed = safeStrtol(t.all[1]!);
    if (parsed === undefined) return bad(INVALID_EXPTIME);
    exptime = parsed;
    first = 2;
  }
  const keys = t.all.slice(first);
  for (const key of keys) {
    if (key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT);
  }
  return done({ type: 'retrieval', command, keys, exptime });
}

function parseDelete(t: Tokens): LineOutcome {
  let noreply = false;
  if (t.n > 3) {
    const holdIsZero = t.all[2] === '0';
    noreply = hasNoreply(t);
    const valid = (t.n === 4 && (holdIsZero || noreply)) || (t.n === 5 && holdIsZero && noreply);
    if (!valid) return bad(`${BAD_FORMAT}.  Usage: delete <key> [noreply]`, noreply);
  }
  const key = t.all[1]!;
  if (key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT, noreply);
  return done({ type: 'delete', key, noreply });
}

function parseArithmetic(t: Tokens, command: 'incr' | 'decr'): LineOutcome {
  const noreply = hasNoreply(t);
  const key = t.all[1]!;
  if (key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT, noreply);
  const delta = safeStrtoull(t.all[2]!);
  if (delta === undefined) return bad('CLIENT_ERROR invalid numeric delta argument', noreply);
  return done({ type: 'arithmetic', command, key, delta, noreply });
}

function parseTouch(t: Tokens): LineOutcome {
  const noreply = hasNoreply(t);
  const key = t.all[1]!;
  if (key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT, noreply);
  const exptime = safeStrtol(t.all[2]!);
  if (exptime === undefined) return bad(INVALID_EXPTIME, noreply);
  return done({ type: 'touch', key, exptime, noreply });
}

function parseFlushAll(t: Tokens): LineOutcome {
  const noreply = hasNoreply(t);
  let delay = 0;
  if (t.n !== (noreply ? 3 : 2)) {
    const parsed = safeStrtol(t.all[1]!);
    if (parsed === undefined) return bad(INVALID_EXPTIME, noreply);
    delay = parsed;
  }
  return done({ type: 'flush_all', delay, noreply });
}

function parseMemLimit(t: Tokens): LineOutcome {
  const noreply = hasNoreply(t);
  const megabytes = safeStrtoul(t.all[1]!);
  if (megabytes === undefined) return bad('ERROR', noreply);
  if (megabytes < 8) return bad('MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m', noreply);
  if (megabytes > 1_000_000_000) {
    return bad('MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes', noreply);
  }
  return done({ type: 'cache_memlimit', megabytes, noreply });
}

/** memcached's slab class ids run from 1 to 63. */
const MAX_SLAB_CLASS = 63;

function parseClasses(spec: string): CrawlerClasses {
  if (spec === 'all' || spec === 'hash') return spec;
  const ids: number[] = [];
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const id = safeStrtoul(part);
    if (id === undefined || id < 1 || id > MAX_SLAB_CLASS) return 'invalid';
    ids.push(id);
  }
  return ids.length === 0 ? 'invalid' : ids;
}

function parseLruCrawler(t: Tokens): LineOutcome {
  const sub = t.all[1];
  if (t.n === 4 && (sub === 'crawl' || sub === 'metadump')) {
    const classes = parseClasses(t.all[2]!);
    return done(
      sub === 'crawl' ? { type: 'lru_crawler', action: 'crawl', classes } : { type: 'metadump', classes },
    );
  }
  if (t.n === 4 && (sub === 'tocrawl' || sub === 'sleep')) {
    const n = safeStrtoul(t.all[2]!);
    if (n === undefined) return bad(BAD_FORMAT);
    if (sub === 'sleep' && n > 1_000_000) return bad('CLIENT_ERROR sleep must be one second or less');
    return done({ type: 'lru_crawler', action: sub });
  }
  if (t.n === 3 && (sub === 'enable' || sub === 'disable')) {
    return done({ type: 'lru_crawler', action: sub });
  }
  return bad('ERROR');
}
