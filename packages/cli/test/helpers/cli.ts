/**
 * Runs the built `memkit` bin as a child process, the way a user does, and
 * collects its exit code and output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built executable. Tests run after `build` (turbo), so it must exist. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run the @memkit/cli build first`);

/** What a run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Raw stdout, for byte-exact checks. */
  raw: Buffer;
}

/** Options of {@link memkit}. */
export interface RunOptions {
  /** MEMCACHED_SERVERS for the child (unset when omitted). */
  servers?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  /** Kill the child after this long. Default 15 s. */
  timeoutMs?: number;
}

function childEnv(servers: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MEMCACHED_SERVERS;
  if (servers !== undefined) env.MEMCACHED_SERVERS = servers;
  return env;
}

/** Starts `memkit args…` without waiting (for watch and dashboard). */
export function spawnMemkit(args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: childEnv(options.servers), stdio: 'pipe' });
}

/** Runs `memkit args…` to completion. */
export function memkit(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawnMemkit(args, options);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  child.stdin!.end(options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
  });
}

/** Reads a child's stdout until `pattern` matches; resolves with the match. */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
  });
}

/** Resolves with the exit code once the child exits. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
