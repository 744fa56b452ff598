/**
 * What parsing one command line can lead to: a finished request, a header
 * whose data block must be read next, or an error whose data block must be
 * skipped. Shared by the text and meta command parsers and the decoder.
 */
import type { BadRequest, MetaSetRequest, Request, StorageRequest } from './types';

/** A storage header waiting for its data block. */
export type PendingHeader = Omit<StorageRequest, 'value'> | Omit<MetaSetRequest, 'value'>;

/** The result of parsing one command line. */
export type LineOutcome =
  | { kind: 'request'; request: Request }
  | { kind: 'data'; bytes: number; header: PendingHeader }
  | { kind: 'swallow'; bytes: number; request: BadRequest };

/** memcached's `KEY_MAX_LENGTH`. */
export const KEY_MAX_LENGTH = 250;

/** The largest data length memcached accepts on a command line (`INT_MAX - 2`). */
export const MAX_DATA_LENGTH = 2_147_483_645;

/** memcached's answer to a malformed argument. */
export const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
/** memcached's answer to an item over `-I`. */
export const TOO_LARGE = 'SERVER_ERROR object too large for cache';
/** memcached's answer to a data block not followed by CRLF. */
export const BAD_DATA_CHUNK = 'CLIENT_ERROR bad data chunk';

/** A finished request outcome. */
export function done(request: Request): LineOutcome {
  return { kind: 'request', request };
}

/** A `BadRequest` outcome. */
export function bad(message: string, noreply = false): LineOutcome {
  return { kind: 'request', request: { type: 'bad', message, noreply } };
}
