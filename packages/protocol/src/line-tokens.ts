/**
 * Small helpers shared by the reply-line parsers: token boundaries, text of a
 * byte range, and the protocol error for a malformed line.
 */
import type { Buffer } from 'node:buffer';
import { ProtocolError } from './errors';
import { describeBytes } from './preview';

/** The separator of tokens in a reply line. */
export const SP = 0x20;

/** A `ProtocolError` naming what is wrong with the line `buf[start, end)`, shown escaped. */
export function fail(what: string, buf: Buffer, start: number, end: number): never {
  throw new ProtocolError(`${what} in reply line ${describeBytes(buf, start, end)}`);
}

/** End of the space-delimited token starting at `p`. */
export function tokenEnd(buf: Buffer, p: number, end: number): number {
  while (p < end && buf[p] !== SP) p++;
  return p;
}

/** The text of `buf[start, end)`: keys and messages are UTF-8 on the wire. */
export function text(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end);
}
