/**
 * Loads the reference vectors from fixtures/vectors (produced by
 * scripts/vectors from the real Python libraries) and turns their Python-side
 * notations (hex strings, `repr()` texts) into JS values. The data stays in
 * those files, never copied into code, so that regenerating them is the one
 * way to change what the tests expect.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root: this file is <root>/packages/client/test/helpers/vectors.ts. */
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** The repository's reference vectors. */
export const VECTORS_DIR = path.resolve(REPO_ROOT, 'fixtures/vectors');

/** Parses one vectors file. */
export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, file), 'utf8')) as T;
}

/** Bytes from a hex string. */
export function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

// ---- ketama.json ----

export interface KetamaKey {
  hex: string;
  text: string;
  len: number;
  md5_u32: number;
  one_at_a_time_u32: number;
}

export interface KetamaServer {
  spec: string;
  host: string;
  port: number;
  weight: number;
  /** Set for a unix-socket server (then `host` is the path and `port` 0). */
  socket_path?: string;
}

export interface KetamaModeResult {
  weighted_points: boolean;
  points_per_server: number[];
  continuum_size: number;
  continuum_head_per_server: Array<Array<{ label: string; points: number[] }>>;
  sorted_continuum_first: Array<{ value: number; server: number }>;
  server_index: number[];
}

export interface KetamaVectors {
  keys: KetamaKey[];
  one_at_a_time_sign_extension_affected_keys: number;
  cases: Array<{
    name: string;
    servers: KetamaServer[];
    modes: Record<string, KetamaModeResult>;
  }>;
}

// ---- modula-python-memcached.json ----

export interface ModulaServer {
  spec: string | [string, number];
  weight: number;
}

export interface ModulaCase {
  name: string;
  servers: ModulaServer[];
  buckets: number[];
  hash: number[];
  server_index: number[];
}

export interface ModulaVectors {
  keys: Array<{ hex: string; text: string; len: number }>;
  cases: ModulaCase[];
  explicit_hash_keys: {
    case: string;
    entries: Array<{ hashvalue: number; key: string; server_index: number }>;
  };
  failover: {
    case: string;
    servers: ModulaServer[];
    buckets: number[];
    keys: Array<{
      hex: string;
      text: string;
      probe_hashes: number[];
      probe_buckets: number[];
      probe_servers: number[];
      chosen_if_primary_dead: number;
      /** null when all ten probes land on the two dead servers. */
      chosen_if_primary_and_that_dead: number | null;
    }>;
  };
  old_server_hash_function: { case: string; hash: number[]; server_index: number[] };
}

// ---- flags-*.json ----

export type PythonResult =
  | { type: string; repr: string; len?: number }
  | { exception: string; message: string };

export interface FlagsStoreEntry {
  name: string;
  python_value_repr: string;
  python_type: string;
  min_compress_len?: number;
  flags: number;
  value_hex: string;
  value_utf8?: string;
  zlib_decompressed_hex?: string;
  pickled: boolean;
  decodable_without_pickle: boolean;
  read_back_by_same_library: PythonResult;
}

export interface FlagsLoadEntry {
  name: string;
  flags: number;
  value_hex: string;
  result: PythonResult;
}

export interface FlagsVectors {
  decode_order: string;
  store: FlagsStoreEntry[];
  load: FlagsLoadEntry[];
  /** Every combination of the flag bits 1, 2, 4, 8 and 16, read by the library. */
  flag_combinations: FlagsLoadEntry[];
}

/** The server spec string of a modula vectors server (`'h:p'` or `['h:p', w]`). */
export function modulaSpec(server: ModulaServer): string {
  return typeof server.spec === 'string' ? server.spec : server.spec[0];
}

// ---- Python repr() ----

/** A Python `str`, `bytes` or `int` value decoded from its `repr()`. */
export type PythonValue =
  | { type: 'str'; value: string }
  | { type: 'bytes'; value: Buffer }
  | { type: 'int'; value: bigint };

/**
 * A `repr()` as the vectors give it: complete, or cut after a prefix and
 * marked `...<N chars>`, with the full length in `len` (code points for
 * `str`, bytes for `bytes`).
 */
export interface ParsedRepr {
  value: PythonValue;
  truncated: boolean;
}

const TRUNCATED = /\.\.\.<\d+ chars>$/;

/** Parses a Python `repr()` of a `str`, `bytes` or `int` (possibly truncated). */
export function parsePythonRepr(type: string, repr: string): ParsedRepr {
  const truncated = TRUNCATED.test(repr);
  const text = repr.replace(TRUNCATED, '');
  if (type === 'int') {
    if (truncated) throw new Error(`cannot use a truncated int repr: ${repr}`);
    return { value: { type: 'int', value: BigInt(text) }, truncated };
  }
  const isBytes = type === 'bytes';
  let body = isBytes ? text.slice(1) : text;
  if (isBytes && !text.startsWith('b')) throw new Error(`not a bytes repr: ${repr}`);
  const quote = body[0];
  if (quote !== "'" && quote !== '"') throw new Error(`not a quoted repr: ${repr}`);
  body = body.slice(1);
  if (!truncated) {
    if (!body.endsWith(quote)) throw new Error(`unterminated repr: ${repr}`);
    body = body.slice(0, -1);
  }
  const codes = unescapePython(body, isBytes);
  if (isBytes) return { value: { type: 'bytes', value: Buffer.from(codes) }, truncated };
  return { value: { type: 'str', value: String.fromCodePoint(...codes) }, truncated };
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34 };

function unescapePython(body: string, isBytes: boolean): number[] {
  const out: number[] = [];
  const chars = [...body];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c !== '\\') {
      if (isBytes) out.push(...Buffer.from(c, 'latin1'));
      else out.push(c.codePointAt(0)!);
      continue;
    }
    const e = chars[++i];
    if (e === undefined) break; // a truncated repr may end mid-escape
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (width === 0) throw new Error(`unknown escape \\${e}`);
    const digits = chars.slice(i + 1, i + 1 + width).join('');
    if (digits.length < width) break;
    out.push(Number.parseInt(digits, 16));
    i += width;
  }
  return out;
}
