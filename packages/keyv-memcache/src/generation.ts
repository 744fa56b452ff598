/**
 * Namespace generations: the counter behind the O(1) `clear()`.
 *
 * Each namespace has a decimal counter in memcached (see keys.ts). Data keys
 * embed it, `clear()` increments it (one `incr`), and from then on every
 * older key is unreachable and ages out through its TTL or the LRU; nothing
 * is ever flushed. The counter starts at a random 53-bit number rather than
 * 0, so when it is evicted and re-created it lands on a generation never used
 * before (a re-created counter behaves like a clear: more misses, never
 * resurrected data). A start at the current time in milliseconds was not
 * enough: a counter cleared N times and re-created less than N ms after its
 * start comes back on a generation it already had, with that generation's
 * data. A random start collides with one of the G generations a namespace
 * ever used with probability G / 2^53.
 *
 * The last generation seen is cached per client and namespace, shared by
 * every adapter in the process; the adapter re-reads the counter in the same
 * batch as each operation, so a clear() from any process is seen at once.
 */
import { getRandomValues } from 'node:crypto';
import { type Client, MemkitError } from '@memkit/client';

/** Per client: full generation key → last generation seen (base 36). */
const seen = new WeakMap<Client, Map<string, string>>();

function cacheOf(client: Client): Map<string, string> {
  let map = seen.get(client);
  if (!map) {
    map = new Map();
    seen.set(client, map);
  }
  return map;
}

/**
 * Parses a counter value as the client returns it (a number or bigint from the
 * default serializer; a string or bytes from others) into its base-36 form.
 * `undefined` means the counter is missing.
 */
export function parseGeneration(raw: unknown, key: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  let text: string | undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw.toString(36);
  if (typeof raw === 'bigint' && raw >= 0n) return raw.toString(36);
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof Uint8Array) text = Buffer.from(raw).toString('latin1');
  if (text !== undefined && /^\s*\d+\s*$/.test(text)) return BigInt(text.trim()).toString(36);
  throw new MemkitError(
    'ERR_UNSERIALIZABLE',
    `the namespace generation key ${key} holds a value that is not a decimal counter; delete it to reset the namespace`,
  );
}

/** The generation counter of one namespace on one client. */
export class Generation {
  constructor(
    /** The client the counter is read and written through (the namespace's view). */
    private readonly client: Client,
    /** The counter's key, as `client` takes it. */
    readonly key: string,
    /** Whose cache holds the last generation seen: the client that owns the connections. */
    private readonly owner: Client,
    /** The counter's full memcached key, which names it in that cache and in errors. */
    private readonly fullKey: string,
  ) {}

  /** The last generation seen in this process, if any. */
  get cached(): string | undefined {
    return cacheOf(this.owner).get(this.fullKey);
  }

  /** Records the counter value read alongside an operation; `undefined` when it is missing. */
  observe(raw: unknown): string | undefined {
    const gen = parseGeneration(raw, this.fullKey);
    if (gen !== undefined) cacheOf(this.owner).set(this.fullKey, gen);
    return gen;
  }

  /** The cached generation, or the server's (created if missing). */
  async current(): Promise<string> {
    return this.cached ?? this.read();
  }

  /** Reads the counter from the server, creating it when it is missing. */
  async read(): Promise<string> {
    const gen = this.observe(await this.client.get(this.key));
    return gen ?? this.create();
  }

  /** Moves the namespace to a new generation: one `incr`, plus a create when the counter is missing. */
  async bump(): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = await this.client.incr(this.key, 1);
      if (next !== undefined) return this.observe(next)!;
      // Missing: a fresh counter is itself a new generation. `add` loses only to
      // another process creating it at the same moment; then increment theirs.
      const created = await this.tryCreate();
      if (created !== undefined) return created;
    }
    throw new MemkitError('ERR_SERVER', `could not increment the namespace generation key ${this.fullKey}`);
  }

  /** Creates the counter, or adopts the one another process created first. */
  async create(): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const created = await this.tryCreate();
      if (created !== undefined) return created;
      const gen = this.observe(await this.client.get(this.key));
      if (gen !== undefined) return gen;
    }
    throw new MemkitError('ERR_SERVER', `could not create the namespace generation key ${this.fullKey}`);
  }

  private async tryCreate(): Promise<string | undefined> {
    const start = randomStart();
    // No TTL: the counter must outlive every data key of the namespace.
    const stored = await this.client.add(this.key, start, { ttl: 0 });
    return stored ? this.observe(start) : undefined;
  }
}

/**
 * A fresh counter's first generation: uniform over [0, 2^53), a safe integer
 * (stored as a plain decimal number by every serializer, as `incr` needs).
 */
export function randomStart(): number {
  const [high, low] = getRandomValues(new Uint32Array(2));
  return (high! & 0x1f_ffff) * 2 ** 32 + low!;
}
