/**
 * The dialects a server can be spoken to in, and the choice of one from the
 * `protocol` option. The choice is made per server (each `ServerPool` holds
 * its own), so `protocol: 'auto'` settles it server by server
 * (connection/dialect-probe.ts).
 */
import { MemkitError } from '@memkit/protocol';
import type { Dialect } from './dialect';
import { metaDialect } from './meta';
import { textDialect } from './text';

export type * from './dialect';

/** The dialect for a `protocol` option value. */
export function dialectFor(protocol: string): Dialect {
  switch (protocol) {
    case 'meta':
      return metaDialect;
    case 'text':
      return textDialect;
    default:
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `unknown protocol ${JSON.stringify(protocol)}: expected 'meta' or 'text'`,
      );
  }
}
