/**
 * The faults a {@link FaultProxy} can inject, their defaults and validation.
 */
import { MemkitError } from '@memkit/protocol';

/** Faults a proxy injects; set any subset at runtime with `proxy.set()`. */
export interface Faults {
  /** Delay added to every chunk in each direction, order preserved. Default 0. */
  latencyMs: number;
  /** Hold every server→client byte (sockets stay open) until set back to false. */
  stall: boolean;
  /** Accept new connections and destroy them at once. */
  dropNewConnections: boolean;
  /**
   * Close each connection after this many more server→client bytes (counted from when it is set,
   * or from accept for later connections): a cut in the middle of a reply. `null` = off.
   */
  cutAfterBytes: number | null;
  /** Chance (0-1) that a server→client chunk gets `garbage` inserted at a random offset. */
  garbageProbability: number;
  /** The bytes injected by `garbageProbability` (a string is latin1: one byte per char). Default `\0\xffGARBAGE\r\n`. */
  garbage: string | Uint8Array;
  /** Chance (0-1) that a server→client chunk is cut short and the connection closed after it. */
  truncateProbability: number;
  /** Forward server→client bytes one at a time, one per event-loop turn. */
  slowReads: boolean;
  /** Stop listening: new connections get ECONNREFUSED. Existing ones are kept. */
  refuse: boolean;
  /** Seed of the PRNG behind the probabilities and offsets; setting it restarts the sequence. */
  seed: number;
}

/** Counters of what a proxy did, for assertions. */
export interface FaultProxyStats {
  /** Connections accepted (including dropped ones). */
  connectionsAccepted: number;
  /** Bytes written to the server. */
  bytesClientToServer: number;
  /** Bytes written to clients (including injected garbage). */
  bytesServerToClient: number;
  /** How many times each fault was applied (chunks affected, or connections for drop/cut/reset). */
  faults: {
    latency: number;
    stall: number;
    drop: number;
    cut: number;
    reset: number;
    garbage: number;
    truncate: number;
    slowReads: number;
    refuse: number;
  };
}

/** No faults: a transparent proxy. */
export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  stall: false,
  dropNewConnections: false,
  cutAfterBytes: null,
  garbageProbability: 0,
  garbage: Buffer.from('\0\xffGARBAGE\r\n', 'latin1'),
  truncateProbability: 0,
  slowReads: false,
  refuse: false,
  seed: 1,
});

/** A fresh, zeroed stats object. */
export function emptyStats(): FaultProxyStats {
  return {
    connectionsAccepted: 0,
    bytesClientToServer: 0,
    bytesServerToClient: 0,
    faults: {
      latency: 0,
      stall: 0,
      drop: 0,
      cut: 0,
      reset: 0,
      garbage: 0,
      truncate: 0,
      slowReads: 0,
      refuse: 0,
    },
  };
}

function invalid(message: string): never {
  throw new MemkitError('ERR_INVALID_ARGUMENT', `FaultProxy.set: ${message}`);
}

/** Throws `ERR_INVALID_ARGUMENT` for out-of-range fault values. */
export function validateFaults(faults: Partial<Faults>): void {
  const { latencyMs, cutAfterBytes, garbageProbability, truncateProbability, seed } = faults;
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    invalid(`latencyMs must be >= 0, got ${latencyMs}`);
  }
  if (cutAfterBytes != null && !(Number.isInteger(cutAfterBytes) && cutAfterBytes >= 0)) {
    invalid(`cutAfterBytes must be an integer >= 0 or null, got ${cutAfterBytes}`);
  }
  for (const [name, p] of [
    ['garbageProbability', garbageProbability],
    ['truncateProbability', truncateProbability],
  ] as const) {
    if (p !== undefined && !(p >= 0 && p <= 1)) invalid(`${name} must be within 0-1, got ${p}`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) invalid(`seed must be an integer, got ${seed}`);
  if (faults.garbage !== undefined && faults.garbage.length === 0) invalid('garbage must not be empty');
}
