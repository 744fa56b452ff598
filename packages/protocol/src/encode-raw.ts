/**
 * The encoder of raw commands: a command line memkit does not wrap (an admin
 * command such as `lru_crawler crawl all` or `slabs automove 1`), checked so
 * that it is exactly ONE command. The line may not contain CR, LF or any
 * other control character, so it cannot end early and smuggle a second
 * command; a data block is sent only when declared, and only after a
 * command whose line announces exactly that many bytes, so the server reads
 * the block as data and nothing after it as a command.
 */
import { Buffer } from 'node:buffer';
import type { Chunk } from './encode-text';
import { MemkitError } from './errors';
import { describeForMessage } from './preview';

/** Longest raw command line, in bytes (memcached's own limit for a command line is 2048). */
export const MAX_RAW_LINE_LENGTH = 2048;

/** Commands followed by a data block, and the index of the token that gives its length. */
const DATA_LENGTH_TOKEN: ReadonlyMap<string, number> = new Map([
  ['set', 4],
  ['add', 4],
  ['replace', 4],
  ['append', 4],
  ['prepend', 4],
  ['cas', 4],
  ['ms', 2],
]);

/** Meta commands: a lone `q` token (quiet mode) suppresses their reply. */
const META_COMMANDS = new Set(['mg', 'ms', 'md', 'ma', 'mn', 'me']);

const CONTROL = /[\x00-\x1f\x7f]/;

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', `raw command: ${message}`);
}

/** The tokens of a command line, split the way memcached does (on spaces, empty ones dropped). */
export function rawCommandTokens(line: string): string[] {
  return line.split(' ').filter((t) => t !== '');
}

/**
 * `line` + CRLF, then `data` + CRLF when given. Throws `MemkitError`
 * `ERR_INVALID_ARGUMENT` when the line is empty, longer than
 * `MAX_RAW_LINE_LENGTH` bytes, contains a control character (CR and LF
 * included), asks the server not to reply (`noreply`, meta `q`: the caller
 * waits for a reply), or when a data block is sent without being announced
 * by the line (or announced without being sent).
 */
export function encodeRawCommand(line: string, data?: Uint8Array | string): Chunk[] {
  if (typeof line !== 'string') throw invalid(`the line must be a string, got ${typeof line}`);
  const bad = CONTROL.exec(line);
  if (bad) {
    throw invalid(
      `the line must be one command: control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')} at index ${bad.index} in ${describeForMessage(line)}`,
    );
  }
  const tokens = rawCommandTokens(line);
  if (tokens.length === 0) throw invalid('the line is empty');
  const length = Buffer.byteLength(line, 'utf8');
  if (length > MAX_RAW_LINE_LENGTH) throw invalid(`the line is ${length} bytes > ${MAX_RAW_LINE_LENGTH}`);
  const verb = tokens[0]!;
  if (tokens.includes('noreply') || (META_COMMANDS.has(verb) && tokens.includes('q'))) {
    throw invalid(`${verb}: a reply is always read, so noreply / q cannot be used`);
  }
  const lengthAt = DATA_LENGTH_TOKEN.get(verb);
  if (lengthAt === undefined) {
    if (data !== undefined) throw invalid(`${verb} takes no data block`);
    return [`${line}\r\n`];
  }
  if (data === undefined) throw invalid(`${verb} is followed by a data block: pass it as data`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (tokens[lengthAt] !== String(bytes.byteLength)) {
    throw invalid(
      `${verb} announces ${JSON.stringify(tokens[lengthAt] ?? '')} bytes but data is ${bytes.byteLength} bytes`,
    );
  }
  return [`${line}\r\n`, bytes, '\r\n'];
}
