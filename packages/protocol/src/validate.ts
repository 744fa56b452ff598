/**
 * Argument checks shared by the text and meta encoders. Every number that is
 * printed into a command line goes through one of these, so a NaN, a float,
 * `1e21` or a negative CAS can never reach the wire.
 */
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

/** The value of a storage command: bytes, not a string (serialization happens above). */
export function checkValue(value: Uint8Array): number {
  if (!(value instanceof Uint8Array)) {
    throw invalid('value must be a Uint8Array (serialize it first)');
  }
  return value.byteLength;
}
