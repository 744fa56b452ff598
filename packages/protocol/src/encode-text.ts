/**
 * Encoders for the classic memcached text protocol. Each returns what to
 * write: a string for a command line, or `Chunk[]` (line, data block, CRLF)
 * for storage commands so the value is written without being copied. A data
 * block may be given as bytes or as text (written as UTF-8). Every
 * key and number is validated, so no input can inject a second command.
 */
import { MemkitError } from './errors';
import { joinValidKeys, validateKey } from './keys';
import { checkCas, checkCount, checkExptime, checkFlags, checkToken, checkU64, checkValue } from './validate';

/** One piece of an encoded command: a string (write it as UTF-8: keys may be non-ASCII) or raw bytes. */
export type Chunk = string | Uint8Array;

/** The storage commands that share the `<cmd> <key> <flags> <exptime> <bytes>` form. */
export type StoreCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend';

const CRLF = '\r\n';
const STORE_COMMANDS: ReadonlySet<string> = new Set(['set', 'add', 'replace', 'append', 'prepend']);

function noreplySuffix(noreply: boolean | undefined): string {
  return noreply === true ? ' noreply\r\n' : CRLF;
}

function checkCommand<T extends string>(cmd: T, allowed: readonly string[] | ReadonlySet<string>): T {
  const ok = Array.isArray(allowed) ? allowed.includes(cmd) : (allowed as ReadonlySet<string>).has(cmd);
  if (!ok) throw new MemkitError('ERR_INVALID_ARGUMENT', `unknown command ${JSON.stringify(cmd)}`);
  return cmd;
}

function checkKeys(keys: readonly string[]): string {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'at least one key is required');
  }
  return joinValidKeys(keys);
}

/**
 * `set`/`add`/`replace`/`append`/`prepend`:
 * `["<cmd> <key> <flags> <exptime> <bytes>[ noreply]\r\n", value, "\r\n"]`.
 */
export function encodeStore(
  cmd: StoreCommand,
  key: string,
  value: Uint8Array | string,
  flags: number,
  exptime: number,
  noreply?: boolean,
): Chunk[] {
  checkCommand(cmd, STORE_COMMANDS);
  validateKey(key);
  const size = checkValue(value);
  const line = `${cmd} ${key} ${checkFlags(flags)} ${checkExptime(exptime)} ${size}${noreplySuffix(noreply)}`;
  return [line, value, CRLF];
}

/** `cas <key> <flags> <exptime> <bytes> <cas>[ noreply]` + data block. */
export function encodeCas(
  key: string,
  value: Uint8Array | string,
  flags: number,
  exptime: number,
  cas: bigint,
  noreply?: boolean,
): Chunk[] {
  validateKey(key);
  const size = checkValue(value);
  const line = `cas ${key} ${checkFlags(flags)} ${checkExptime(exptime)} ${size} ${checkCas(cas)}${noreplySuffix(noreply)}`;
  return [line, value, CRLF];
}

/** `get <key>*` or `gets <key>*` (gets adds the CAS unique to each VALUE). */
export function encodeGet(cmd: 'get' | 'gets', keys: readonly string[]): string {
  checkCommand(cmd, ['get', 'gets']);
  return `${cmd} ${checkKeys(keys)}${CRLF}`;
}

/** `gat <exptime> <key>*` or `gats <exptime> <key>*`: get and touch. */
export function encodeGat(cmd: 'gat' | 'gats', exptime: number, keys: readonly string[]): string {
  checkCommand(cmd, ['gat', 'gats']);
  return `${cmd} ${checkExptime(exptime)} ${checkKeys(keys)}${CRLF}`;
}

/** `delete <key>[ noreply]`. */
export function encodeDelete(key: string, noreply?: boolean): string {
  validateKey(key);
  return `delete ${key}${noreplySuffix(noreply)}`;
}

/** `incr <key> <delta>` or `decr <key> <delta>`; delta is an unsigned 64-bit number. */
export function encodeIncrDecr(
  cmd: 'incr' | 'decr',
  key: string,
  delta: bigint | number,
  noreply?: boolean,
): string {
  checkCommand(cmd, ['incr', 'decr']);
  validateKey(key);
  return `${cmd} ${key} ${checkU64(delta, 'delta')}${noreplySuffix(noreply)}`;
}

/** `touch <key> <exptime>[ noreply]`. */
export function encodeTouch(key: string, exptime: number, noreply?: boolean): string {
  validateKey(key);
  return `touch ${key} ${checkExptime(exptime)}${noreplySuffix(noreply)}`;
}

/**
 * `stats` or `stats <arg>` (`settings`, `items`, `slabs`, `sizes`, `conns`…).
 * `arg` is one token: no whitespace or control characters.
 */
export function encodeStats(arg?: string): string {
  if (arg === undefined) return `stats${CRLF}`;
  return `stats ${checkToken(arg, 'stats argument', 64)}${CRLF}`;
}

/** `flush_all[ <delay>][ noreply]`: invalidate every item now or after `delaySeconds`. */
export function encodeFlushAll(delaySeconds?: number, noreply?: boolean): string {
  const delay = delaySeconds === undefined ? '' : ` ${checkCount(delaySeconds, 'flush_all delay')}`;
  return `flush_all${delay}${noreplySuffix(noreply)}`;
}

/** `version`. */
export function encodeVersion(): string {
  return `version${CRLF}`;
}

/** `verbosity <level>[ noreply]`. */
export function encodeVerbosity(level: number, noreply?: boolean): string {
  return `verbosity ${checkCount(level, 'verbosity level')}${noreplySuffix(noreply)}`;
}

/** `quit`: the server closes the connection without replying. */
export function encodeQuit(): string {
  return `quit${CRLF}`;
}

/**
 * Where `lru_crawler metadump` walks: `'all'` walks every LRU, `'hash'`
 * (memcached ≥ 1.6.9) every bucket of the hash table once.
 */
export type MetadumpScope = 'all' | 'hash';

/**
 * `lru_crawler metadump <scope>`: one `key=… exp=…` line per item, then
 * `END`. The LRU walk (`all`, the default) misses items that move between
 * LRUs or are in use while it passes; the hash walk does not, and older
 * servers refuse it with `BADCLASS`.
 */
export function encodeMetadump(scope: MetadumpScope = 'all'): string {
  if (scope !== 'all' && scope !== 'hash') {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `metadump scope must be 'all' or 'hash', got ${String(scope)}`,
    );
  }
  return `lru_crawler metadump ${scope}${CRLF}`;
}
