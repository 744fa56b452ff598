/**
 * The key handling a `Client.withKeyOptions` view may change (`keyPrefix`,
 * `keyMapping`), checked like the client options, as a context that shares
 * everything else with the client it came from.
 */
import { MemkitError } from '@memkit/protocol';
import type { Context } from './context';
import type { KeyMapping } from './key-mapping';
import { isPlainObject, show, unknownName } from './option-checks';
import { CLIENT_OPTIONS } from './option-table';

/** Options of `Client.withKeyOptions`. Absent fields keep the client's value. */
export interface KeyOptions {
  /** Replaces the client's `keyPrefix`. With `keyMapping: 'auto'` any string works. */
  keyPrefix?: string;
  /** Replaces the client's `keyMapping`. */
  keyMapping?: KeyMapping;
}

const NAMES = ['keyPrefix', 'keyMapping'] as const;

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_OPTION', `withKeyOptions: ${message}`);
}

/** The context of a view of `ctx` with `options` applied; throws `ERR_INVALID_OPTION` for bad options. */
export function keyOptionsView(ctx: Context, options: KeyOptions): Context {
  if (!isPlainObject(options)) throw invalid(`takes { keyPrefix?, keyMapping? }, got ${show(options)}`);
  const unknown = unknownName(options, NAMES);
  if (unknown) throw invalid(unknown);
  const given = options as KeyOptions;
  const keyMapping: unknown = given.keyMapping ?? ctx.options.keyMapping;
  const keyPrefix: unknown = given.keyPrefix ?? ctx.options.keyPrefix;
  const badMapping = CLIENT_OPTIONS.keyMapping.check(keyMapping);
  if (badMapping) throw invalid(`keyMapping ${badMapping}`);
  // A mapped prefix may hold anything (the key mapping carries it); a strict one must start a valid key.
  const badPrefix =
    keyMapping === 'auto'
      ? typeof keyPrefix === 'string'
        ? undefined
        : `must be a string, got ${show(keyPrefix)}`
      : CLIENT_OPTIONS.keyPrefix.check(keyPrefix);
  if (badPrefix) throw invalid(`keyPrefix ${badPrefix}`);
  return ctx.derive({ ...ctx.options, keyPrefix: keyPrefix as string, keyMapping: keyMapping as KeyMapping });
}
