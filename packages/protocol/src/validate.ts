/**
 * Argument checks shared by the text and meta encoders. Every number that is
 * printed into a command line goes through one of these, so a NaN, a float,
 * `1e21` or a negative CAS can never reach the wire.
 */
import { Buffer } from 'node:buffer';
import { MemkitError } from './errors';
import { U32_MAX, U64_MAX } from './limits';
import { describeForMessage } from './preview';

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', message);
}

/** Client flags: an integer in 0..2^32-1. */
export function checkFlags(flags: number): string {
  if (!Number.isInteger(flags) || flags < 0 || flags > U32_MAX) {
    throw invalid(`flags must be an integer in 0..${U32_MAX}, got ${String(flags)}`);
  }
  return String(flags);
}

/** An exptime (or any signed whole number of seconds): a safe integer. */
export function checkExptime(exptime: number, what = 'exptime'): string {
  if (!Number.isSafeInteger(exptime)) {
    throw invalid(`${what} must be an integer, got ${String(exptime)}`);
  }
  return String(exptime);
}

/** A non-negative safe integer (delays, verbosity, recache seconds). */
export function checkCount(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return String(value);
}

/** An unsigned 64-bit number (delta, initial value, CAS) as a bigint or safe integer. */
export function checkU64(value: bigint | number, what: string): string {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw invalid(`${what} must be in 0..2^64-1, got ${value}`);
    return value.toString();
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative integer or bigint, got ${String(value)}`);
  }
  return String(value);
}

/** A CAS unique: an unsigned 64-bit bigint (numbers accepted when safe). */
export function checkCas(cas: bigint | number): string {
  return checkU64(cas, 'cas');
}

/**
 * A token printed after a command word or flag letter (opaque, stats
 * argument): non-empty, printable ASCII only, at most `max` characters.
 */
export function checkToken(token: string, what: string, max: number): string {
  if (typeof token !== 'string' || token.length === 0 || token.length > max) {
    throw invalid(`${what} must be 1..${max} characters`);
  }
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      throw invalid(
        `${what} ${describeForMessage(token)} contains whitespace, a control or non-ASCII character at index ${i}`,
      );
    }
  }
  return token;
}

/**
 * The data block of a storage command: bytes, or text that is written as
 * UTF-8 (serialization happens above; a serializer that has its value as
 * text saves encoding it into a buffer first). Returns its length in bytes.
 * Text with a lone surrogate has no UTF-8 form and is refused, rather than
 * stored as U+FFFD.
 */
export function checkValue(value: Uint8Array | string): number {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) throw invalid('a text value must not contain a lone surrogate');
    return Buffer.byteLength(value, 'utf8');
  }
  if (!(value instanceof Uint8Array)) {
    throw invalid('value must be a Uint8Array or a string (serialize it first)');
  }
  return value.byteLength;
}

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 typings.
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
