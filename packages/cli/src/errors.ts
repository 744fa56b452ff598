/**
 * The CLI's exit codes and how errors become one readable line on stderr.
 * User mistakes and unreachable servers are expected outcomes of a command
 * line tool: they get a message and an exit code, never a stack trace.
 */
import { isMemkitError, MemkitError } from '@memkit/client';

/** Process exit codes of `memkit`. Stable: scripts may branch on them. */
export const ExitCode = {
  /** The command did what was asked. */
  OK: 0,
  /** A negative answer: key not found, not stored, nothing deleted. */
  NEGATIVE: 1,
  /** The command line is wrong (unknown option, bad number, invalid key, missing --yes). */
  USAGE: 2,
  /** A server could not be reached or failed (connect error, timeout, SERVER_ERROR). */
  UNAVAILABLE: 3,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Error codes that mean "you typed something wrong" rather than "the server
 * failed". `ERR_CLIENT_ERROR` is memcached's CLIENT_ERROR, e.g. `incr` of a non-number.
 */
const USAGE_CODES = new Set([
  'ERR_KEY_INVALID',
  'ERR_VALUE_TOO_LARGE',
  'ERR_INVALID_ARGUMENT',
  'ERR_CLIENT_ERROR',
]);

/**
 * An error the CLI reports as one line and an exit code. Its `code` is a
 * `MemkitError` code, so code that embeds the CLI can branch on it.
 */
export class CliError extends MemkitError {
  /** The class name, `CliError`. */
  override name = 'CliError';
  constructor(
    message: string,
    /** The process exit code the CLI ends with for this error. */
    readonly exitCode: ExitCodeValue = ExitCode.USAGE,
  ) {
    super(exitCode === ExitCode.USAGE ? 'ERR_INVALID_ARGUMENT' : 'ERR_SERVER', message);
  }
}

/** The exit code for any thrown value. */
export function exitCodeOf(err: unknown): ExitCodeValue {
  if (err instanceof CliError) return err.exitCode;
  if (isMemkitError(err)) return USAGE_CODES.has(err.code) ? ExitCode.USAGE : ExitCode.UNAVAILABLE;
  return ExitCode.UNAVAILABLE;
}

/**
 * One line for stderr. Known errors show their message (which already names
 * the server and command); anything else is a bug in memkit, so it keeps its
 * stack to be reportable.
 */
export function formatError(err: unknown): string {
  if (err instanceof CliError) return `memkit: ${err.message}`;
  if (isMemkitError(err)) return `memkit: ${err.message} (${err.code})`;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return `memkit: unexpected error, please report it: ${detail}`;
}
