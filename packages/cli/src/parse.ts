/**
 * Parsers for option and argument values. They throw commander's
 * `InvalidArgumentError`, which commander turns into a one-line usage error
 * naming the option.
 */
import { U64_MAX } from '@memkit/client';
import { InvalidArgumentError } from 'commander';

/** A whole number >= `min`. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };
}

/** A TCP port (0 picks a free one). */
export function port(value: string): number {
  const n = integer(0)(value);
  if (n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

/** An unsigned 64-bit delta for incr/decr. */
export function delta(value: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number >= 0');
  const n = BigInt(value);
  if (n > U64_MAX) throw new InvalidArgumentError('expected a number below 2^64');
  return n;
}
