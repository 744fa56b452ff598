/**
 * Parses one reply line (without its CRLF) into a `Reply`. Framing, data
 * blocks and chunk boundaries belong to the decoder; this module only knows
 * what a single line means. For `VALUE`/`VA` headers it returns the reply
 * with an empty `value` and reports the data block size in `frame.size`.
 */
import { Buffer } from 'node:buffer';
import { parseU64Range, parseUint } from './bytes';
import { parseReplyFlags } from './decode-meta-flags';
import { U32_MAX } from './limits';
import { fail, SP, text, tokenEnd } from './line-tokens';
import type {
  ConfigReply,
  ErrorReply,
  MetaDebugReply,
  MetadumpReply,
  MetaStatusReply,
  MetaValueReply,
  Reply,
  StatReply,
  StatusReply,
  ValueReply,
} from './replies';

/** Out-parameters of `parseLine`. */
export interface LineFrame {
  /** Data block size announced by the line, or -1 when no block follows. */
  size: number;
  /** Largest block size accepted. */
  readonly maxValueLength: number;
}

const EMPTY = Buffer.alloc(0);

type StatusType = StatusReply['type'];

// Status replies carry nothing but their type, so one frozen object each is shared.
const STATUS: Readonly<Record<StatusType, StatusReply>> = Object.freeze({
  END: Object.freeze({ type: 'END' }),
  STORED: Object.freeze({ type: 'STORED' }),
  NOT_STORED: Object.freeze({ type: 'NOT_STORED' }),
  EXISTS: Object.freeze({ type: 'EXISTS' }),
  NOT_FOUND: Object.freeze({ type: 'NOT_FOUND' }),
  DELETED: Object.freeze({ type: 'DELETED' }),
  TOUCHED: Object.freeze({ type: 'TOUCHED' }),
  OK: Object.freeze({ type: 'OK' }),
  ERROR: Object.freeze({ type: 'ERROR' }),
  RESET: Object.freeze({ type: 'RESET' }),
});

/** Replies of `lru_crawler` that refuse the request; surfaced as `SERVER_ERROR <line>`. */
const CRAWLER_REFUSALS = new Set(['BUSY', 'BADCLASS', 'NOTSTARTED']);

/** Validates and records a data block size announced by a header. */
function blockSize(buf: Buffer, start: number, end: number, line0: number, frame: LineFrame): void {
  const size = parseUint(buf, start, end);
  if (size < 0) fail('malformed data block size', buf, line0, end);
  if (size > frame.maxValueLength) {
    fail(`data block size ${size} > maxValueLength ${frame.maxValueLength}`, buf, line0, end);
  }
  frame.size = size;
}

/** Positions and numbers of a `VALUE` header line, for `parseValueHeader`. */
export interface ValueHeader {
  keyStart: number;
  keyEnd: number;
  flags: number;
  cas: bigint | undefined;
}

/** Whether `buf[start, end)` is a `VALUE ` line (the hot reply of a multi-get). */
export function isValueLine(buf: Buffer, start: number, end: number): boolean {
  return (
    end - start > 6 &&
    buf[start] === 0x56 &&
    buf[start + 1] === 0x41 &&
    buf[start + 2] === 0x4c &&
    buf[start + 3] === 0x55 &&
    buf[start + 4] === 0x45 &&
    buf[start + 5] === SP
  );
}

/**
 * Parses the `VALUE <key> <flags> <bytes>[ <cas>]` line `buf[start, end)`
 * into `out` without making a key string; sets `frame.size` to the data
 * block size. Throws `ProtocolError` when malformed.
 */
export function parseValueHeader(
  buf: Buffer,
  start: number,
  end: number,
  frame: LineFrame,
  out: ValueHeader,
): void {
  const p = start + 6;
  const keyEnd = tokenEnd(buf, p, end);
  if (keyEnd === p || keyEnd === end) fail('malformed VALUE', buf, start, end);
  const flagsStart = keyEnd + 1;
  const flagsEnd = tokenEnd(buf, flagsStart, end);
  const flags = parseUint(buf, flagsStart, flagsEnd);
  if (flags < 0 || flags > U32_MAX || flagsEnd === end) fail('malformed VALUE flags', buf, start, end);
  const sizeStart = flagsEnd + 1;
  const sizeEnd = tokenEnd(buf, sizeStart, end);
  blockSize(buf, sizeStart, sizeEnd, start, frame);
  out.keyStart = p;
  out.keyEnd = keyEnd;
  out.flags = flags;
  out.cas = undefined;
  if (sizeEnd === end) return;
  const cas = parseU64Range(buf, sizeEnd + 1, end);
  if (cas < 0n) fail('malformed VALUE cas', buf, start, end);
  out.cas = cas;
}

/** A `ValueReply` (empty value) for a header parsed by `parseValueHeader`. */
export function valueReplyOf(buf: Buffer, header: ValueHeader): ValueReply {
  const key = text(buf, header.keyStart, header.keyEnd);
  return header.cas === undefined
    ? { type: 'VALUE', key, flags: header.flags, value: EMPTY }
    : { type: 'VALUE', key, flags: header.flags, value: EMPTY, cas: header.cas };
}

const scratchHeader: ValueHeader = { keyStart: 0, keyEnd: 0, flags: 0, cas: undefined };

/** `VALUE <key> <flags> <bytes>[ <cas>]` starting at `start`. */
function parseValue(buf: Buffer, start: number, end: number, frame: LineFrame): ValueReply {
  parseValueHeader(buf, start, end, frame, scratchHeader);
  return valueReplyOf(buf, scratchHeader);
}

/**
 * `CONFIG <key> <flags> <bytes>` (the header of a `config get` answer):
 * exactly three fields, like a `VALUE` line without a CAS.
 */
function parseConfig(buf: Buffer, start: number, end: number, rest: number, frame: LineFrame): ConfigReply {
  const keyEnd = tokenEnd(buf, rest, end);
  if (keyEnd === rest || keyEnd === end) fail('malformed CONFIG', buf, start, end);
  const flagsStart = keyEnd + 1;
  const flagsEnd = tokenEnd(buf, flagsStart, end);
  const flags = parseUint(buf, flagsStart, flagsEnd);
  if (flags < 0 || flags > U32_MAX || flagsEnd === end) fail('malformed CONFIG flags', buf, start, end);
  const sizeStart = flagsEnd + 1;
  const sizeEnd = tokenEnd(buf, sizeStart, end);
  if (sizeEnd !== end) fail('malformed CONFIG', buf, start, end);
  blockSize(buf, sizeStart, sizeEnd, start, frame);
  return { type: 'CONFIG', key: text(buf, rest, keyEnd), flags, value: EMPTY };
}

/** `name=value` tokens from `p` to `end` (ME and metadump lines). */
function parseFields(buf: Buffer, p: number, end: number): Record<string, string> {
  const fields: Record<string, string> = {};
  while (p < end) {
    if (buf[p] === SP) {
      p++;
      continue;
    }
    const te = tokenEnd(buf, p, end);
    let eq = p;
    while (eq < te && buf[eq] !== 0x3d) eq++;
    const name = buf.toString('latin1', p, eq);
    fields[name] = eq < te ? text(buf, eq + 1, te) : '';
    p = te;
  }
  return fields;
}

const PERCENT_ESCAPES = /^(?:[^%]|%[0-9A-Fa-f]{2})*$/;

/**
 * URL-decodes a metadump key. Keys stored through base64 meta commands may be
 * any bytes, so a well-formed escape sequence that is not UTF-8 is decoded
 * with U+FFFD replacements (the raw form stays in `fields.key`) instead of
 * failing; only a malformed escape is a protocol error.
 */
function decodeDumpKey(raw: string, buf: Buffer, line0: number, end: number): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    if (!PERCENT_ESCAPES.test(raw)) fail('malformed URL escape in metadump key', buf, line0, end);
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      if (raw.charCodeAt(i) === 0x25) {
        bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        for (const b of Buffer.from(raw[i]!, 'utf8')) bytes.push(b);
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

/**
 * Whether `buf[s, end)` starts like an `lru_crawler metadump` line. memcached
 * 1.6 ends those lines with a bare LF (only the final `END` has CRLF), so the
 * decoder accepts a bare LF for them and for nothing else.
 */
export function isMetadump(buf: Buffer, s: number, end: number): boolean {
  return end - s >= 4 && buf[s] === 0x6b && buf[s + 1] === 0x65 && buf[s + 2] === 0x79 && buf[s + 3] === 0x3d;
}

/**
 * The error reply a line starting with `word` (ending at `we`) stands for:
 * `ERROR [reason]`, `CLIENT_ERROR …`, `SERVER_ERROR …`, or an lru_crawler
 * refusal (surfaced as `SERVER_ERROR <line>`); undefined for any other line.
 */
function errorReplyOf(word: string, buf: Buffer, s: number, we: number, end: number): Reply | undefined {
  const rest = we < end ? we + 1 : end;
  switch (word) {
    case 'ERROR':
      // A bare ERROR answers an unknown command; some paths of memcached 1.6 add a reason.
      return we === end ? STATUS.ERROR : { type: 'ERROR', message: text(buf, rest, end) };
    case 'CLIENT_ERROR':
    case 'SERVER_ERROR':
      return { type: word, message: text(buf, rest, end) } satisfies ErrorReply;
    default:
      return CRAWLER_REFUSALS.has(word) ? { type: 'SERVER_ERROR', message: text(buf, s, end) } : undefined;
  }
}

/** The error reply the line `buf[s, end)` stands for (see `errorReplyOf`), or undefined. */
export function parseErrorLine(buf: Buffer, s: number, end: number): Reply | undefined {
  const we = tokenEnd(buf, s, end);
  return errorReplyOf(buf.toString('latin1', s, we), buf, s, we, end);
}

/** Lines whose meaning depends on a word longer than two characters. */
function parseWordLine(buf: Buffer, s: number, end: number, we: number, frame: LineFrame): Reply {
  const word = buf.toString('latin1', s, we);
  const rest = we < end ? we + 1 : end;
  switch (word) {
    case 'END':
    case 'STORED':
    case 'NOT_STORED':
    case 'EXISTS':
    case 'NOT_FOUND':
    case 'DELETED':
    case 'TOUCHED':
    case 'OK':
    case 'RESET':
      if (we !== end) break;
      return STATUS[word];
    case 'ERROR':
    case 'CLIENT_ERROR':
    case 'SERVER_ERROR':
      return errorReplyOf(word, buf, s, we, end)!;
    case 'VERSION':
      return { type: 'VERSION', version: text(buf, rest, end) };
    case 'CONFIG':
      if (we === end) break;
      return parseConfig(buf, s, end, rest, frame);
    case 'STAT': {
      const ne = tokenEnd(buf, rest, end);
      if (ne === rest) break;
      const stat: StatReply = {
        type: 'STAT',
        name: text(buf, rest, ne),
        value: text(buf, ne < end ? ne + 1 : end, end),
      };
      return stat;
    }
    default: {
      const refusal = errorReplyOf(word, buf, s, we, end);
      if (refusal) return refusal;
      if (isMetadump(buf, s, end)) {
        const fields = parseFields(buf, s, end);
        const dump: MetadumpReply = {
          type: 'METADUMP',
          key: decodeDumpKey(fields.key!, buf, s, end),
          fields,
        };
        return dump;
      }
      if (s < end && buf[s]! >= 0x30 && buf[s]! <= 0x39) {
        // incr/decr: the new value, which memcached may pad with trailing spaces.
        let de = s;
        while (de < end && buf[de] !== SP) de++;
        let pad = de;
        while (pad < end && buf[pad] === SP) pad++;
        const value = parseU64Range(buf, s, de);
        if (value >= 0n && pad === end) return { type: 'NUMBER', value };
        fail('malformed number', buf, s, end);
      }
    }
  }
  return fail('unknown reply', buf, s, end);
}

/** Two-letter meta return codes. */
function parseMetaLine(buf: Buffer, s: number, end: number, frame: LineFrame): Reply {
  const c0 = buf[s]!;
  const c1 = buf[s + 1]!;
  let type: MetaStatusReply['type'];
  if (c0 === 0x48 && c1 === 0x44) type = 'HD';
  else if (c0 === 0x45 && c1 === 0x4e) type = 'EN';
  else if (c0 === 0x4e && c1 === 0x53) type = 'NS';
  else if (c0 === 0x45 && c1 === 0x58) type = 'EX';
  else if (c0 === 0x4e && c1 === 0x46) type = 'NF';
  else if (c0 === 0x4d && c1 === 0x4e) type = 'MN';
  else if (c0 === 0x56 && c1 === 0x41) {
    // VA without a size token
    return fail('malformed data block size', buf, s, end);
  } else if (c0 === 0x4d && c1 === 0x45) {
    const ks = s + 3;
    const ke = tokenEnd(buf, ks, end);
    if (ke === ks) fail('malformed ME', buf, s, end);
    const me: MetaDebugReply = { type: 'ME', key: text(buf, ks, ke), fields: parseFields(buf, ke, end) };
    return me;
  } else {
    return parseWordLine(buf, s, end, s + 2, frame);
  }
  const reply: MetaStatusReply = { type };
  parseReplyFlags(buf, s, s + 2, end, reply);
  return reply;
}

/**
 * Parses the line `buf[start, end)` (CRLF excluded). Sets `frame.size` to the
 * data block size for `VALUE`/`VA`, else to -1. Throws `ProtocolError` for
 * anything that is not a memcached reply.
 */
export function parseLine(buf: Buffer, start: number, end: number, frame: LineFrame): Reply {
  frame.size = -1;
  const len = end - start;
  const c0 = buf[start];
  // The hot replies of a get-heavy workload first: VALUE, END, VA.
  if (c0 === 0x56 /* V */ && len > 3 && buf[start + 1] === 0x41) {
    const c2 = buf[start + 2];
    if (c2 === SP) {
      const se = tokenEnd(buf, start + 3, end);
      blockSize(buf, start + 3, se, start, frame);
      const va: MetaValueReply = { type: 'VA', value: EMPTY };
      parseReplyFlags(buf, start, se, end, va);
      return va;
    }
    if (c2 === 0x4c && isValueLine(buf, start, end)) return parseValue(buf, start, end, frame);
  } else if (c0 === 0x45 /* E */ && len === 3 && buf[start + 1] === 0x4e && buf[start + 2] === 0x44) {
    return STATUS.END;
  }
  if (len === 2 || (len > 2 && buf[start + 2] === SP)) return parseMetaLine(buf, start, end, frame);
  return parseWordLine(buf, start, end, tokenEnd(buf, start, end), frame);
}
