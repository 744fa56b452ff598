/**
 * The hostile corpus shared by the injection tests of the client and of every adapter: keys
 * that would smuggle a command or break a command line if a client sent them as they are, and
 * values that look like protocol replies or commands. A correct client rejects each invalid
 * key before sending anything (`ERR_KEY_INVALID`) or sends it base64-encoded (meta `b` flag),
 * and stores each value byte for byte.
 */

/** One entry of the corpus, with a name for test titles. */
export interface HostileCase<T> {
  name: string;
  value: T;
  /**
   * For keys: whether the string is a valid text-protocol key as it is (1-250 UTF-8 bytes, no
   * byte <= 0x20, no 0x7f). Valid hostile keys must be stored under exactly that name.
   */
  valid?: boolean;
}

/**
 * Hostile keys. `sentinel` names an item the injected commands try to delete, overwrite or
 * read, so a test can check on the server that none of them ran.
 */
export function hostileKeys(sentinel: string): HostileCase<string>[] {
  return [
    { name: 'the empty string', value: '', valid: false },
    { name: 'a space', value: 'has space', valid: false },
    { name: 'a leading space', value: ' lead', valid: false },
    { name: 'a trailing space', value: 'trail ', valid: false },
    { name: 'CRLF', value: 'crlf\r\nkey', valid: false },
    { name: 'a bare LF', value: 'lf\nkey', valid: false },
    { name: 'a bare CR', value: 'cr\rkey', valid: false },
    { name: 'NUL', value: 'nul\0key', valid: false },
    { name: 'a tab', value: 'tab\tkey', valid: false },
    { name: 'a vertical tab and form feed', value: 'vt\u000bff\u000ckey', valid: false },
    { name: 'DEL', value: 'del\u007fkey', valid: false },
    { name: 'ESC', value: 'esc\u001b[2Jkey', valid: false },
    { name: '251 ASCII bytes', value: 'k'.repeat(251), valid: false },
    { name: '10 000 ASCII bytes', value: 'k'.repeat(10_000), valid: false },
    { name: 'unicode of 126 chars / 252 UTF-8 bytes', value: 'é'.repeat(126), valid: false },
    { name: 'CJK of 84 chars / 252 UTF-8 bytes', value: '日'.repeat(84), valid: false },
    { name: 'emoji of 63 chars / 252 UTF-8 bytes', value: '🎉'.repeat(63), valid: false },
    { name: 'an injected delete (CRLF)', value: `x\r\ndelete ${sentinel}`, valid: false },
    { name: 'an injected delete (bare LF)', value: `x\ndelete ${sentinel}`, valid: false },
    { name: 'an injected set', value: `x\r\nset ${sentinel} 0 0 1\r\nX`, valid: false },
    { name: 'an injected flush_all', value: 'x\r\nflush_all', valid: false },
    { name: 'an injected flush_all after NUL', value: 'x\0\r\nflush_all', valid: false },
    { name: 'an injected meta delete', value: `x md ${sentinel}`, valid: false },
    { name: 'an injected meta set with a value', value: `x 1\r\nZ\r\nms ${sentinel} 1`, valid: false },
    { name: 'extra get tokens', value: `x ${sentinel}`, valid: false },
    { name: 'a noreply suffix', value: 'x 0 0 1 noreply', valid: false },
    // Valid keys that merely look dangerous: stored under exactly that name, nothing else runs.
    { name: '250 ASCII bytes', value: 'k'.repeat(250), valid: true },
    { name: 'unicode of 125 chars / 250 UTF-8 bytes', value: 'é'.repeat(125), valid: true },
    { name: 'short unicode', value: 'ключ-日本-🎉', valid: true },
    { name: 'a C1 control (NEL, UTF-8 C2 85)', value: 'nel\u0085key', valid: true },
    { name: 'the word flush_all', value: 'flush_all', valid: true },
    { name: 'the word END', value: 'END', valid: true },
    { name: 'the word mn', value: 'mn', valid: true },
    { name: 'a VALUE-like key', value: 'VALUE', valid: true },
  ];
}

/** Hostile values: strings that look like replies or commands, and awkward bytes. */
export const HOSTILE_VALUES: ReadonlyArray<HostileCase<string>> = [
  { name: 'a reply terminator', value: '\r\nEND\r\n' },
  { name: 'a VALUE header', value: 'VALUE x 0 1\r\n' },
  { name: 'a whole forged get reply', value: 'VALUE x 0 1\r\nA\r\nEND\r\n' },
  { name: 'a forged meta reply', value: 'VA 1 f0\r\nx\r\nEN\r\nHD\r\nMN\r\n' },
  { name: 'an embedded set command', value: 'a\r\nset x 0 0 1\r\nb\r\n' },
  { name: 'a leading CRLF set', value: '\r\nset x 0 0 1\r\nb' },
  { name: 'flush_all', value: 'flush_all' },
  { name: 'flush_all with CRLF', value: 'flush_all\r\n' },
  { name: 'meta commands', value: 'mn\r\nms x 1\r\nz\r\n' },
  { name: 'status words', value: 'STORED\r\nSERVER_ERROR out of memory\r\nERROR\r\n' },
  { name: 'a lone CRLF', value: '\r\n' },
  { name: 'a lone LF', value: '\n' },
  { name: 'a trailing CR', value: 'ends with CR\r' },
  { name: 'NUL and control bytes', value: '\0\u0001\u001f\u007f' },
  { name: 'unicode', value: 'héllo wörld — 日本語 🎉 \u2028\u0085' },
  { name: 'the empty string', value: '' },
  { name: 'spaces only', value: '   ' },
  { name: '500 KB of CRLF-laced text', value: 'END\r\nVALUE '.repeat(50 * 1024) },
];

/** Hostile binary values (stored with flags 0 by the default serializer). */
export const HOSTILE_BYTES: ReadonlyArray<HostileCase<Uint8Array>> = [
  { name: 'every byte value', value: Uint8Array.from({ length: 256 }, (_, i) => i) },
  { name: 'a reply terminator', value: Buffer.from('\r\nEND\r\n', 'latin1') },
  {
    name: 'a forged VALUE with invalid UTF-8',
    value: Buffer.from('VALUE x 0 1\r\n\xff\xfe\r\nEND\r\n', 'latin1'),
  },
  { name: 'NUL bytes', value: new Uint8Array(1024) },
  { name: 'the empty buffer', value: new Uint8Array(0) },
];

/**
 * Keys applications hand a cache that memcached cannot take as they are (whitespace, a smuggled
 * command, the empty string, a long URL, two long keys with a long common head) and two it can
 * (non-ASCII). An adapter that takes every key (memkit issue 22) must round-trip each of them,
 * each to its own value.
 */
export const UNUSUAL_KEYS: readonly string[] = [
  'with space',
  'tab\tkey',
  'crlf\r\ndelete victim\r\nset victim 0 0 1\r\nX',
  'ünïcødé',
  'emoji 🎉 key',
  '',
  `https://example.com/search?q=${'u'.repeat(969)}`,
  `${'p'.repeat(500)}${'A'.repeat(100)}`,
  `${'p'.repeat(500)}${'B'.repeat(100)}`,
];
