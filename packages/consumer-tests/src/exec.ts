/**
 * Child processes for the consumer test: a clean environment (nothing of the monorepo's pnpm
 * run leaks into the consumer project) and a runner with a hard timeout that kills the whole
 * process group, so a hung runtime fails its test instead of hanging the suite.
 */
import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';

/** What a finished child did. */
export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
  timedOut: boolean;
}

/** Options of {@link exec}. */
export interface ExecOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this many milliseconds. Default 120 000. */
  timeoutMs?: number;
}

// Environment variables a consumer's shell would have. pnpm adds NODE_PATH (pointing into the
// monorepo's store: it would let the consumer project resolve packages it never installed),
// npm_config_prefix/local_prefix (which would make npm install elsewhere) and lifecycle variables.
const KEEP = new Set([
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TERM',
  'TMPDIR',
  'TZ',
  'CI',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'npm_config_registry',
  'npm_config_cache',
  'npm_config_cafile',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_strict_ssl',
]);

/** PATH without any node_modules/.bin directory (the monorepo's tools, its Node 24 among them). */
export function consumerPath(path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !/(^|[\\/])node_modules[\\/]\.bin$/.test(dir))
    .join(delimiter);
}

/** The environment of a plain shell on this machine, plus `extra`. */
export function consumerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (KEEP.has(name)) env[name] = value;
  env.PATH = consumerPath();
  // Colour codes would only get in the way of the outputs the tests read.
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

/** Runs `command args` and collects its output; never rejects for a non-zero exit. */
export function exec(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? consumerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started), timedOut });
    });
  });
}

/** Signals the process group led by `pid` (children started with `detached: true`). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The command line running a tool the project installed (its node_modules/.bin entry) on the
 * machine's node: what `npx <tool>` does, without npx's own start-up.
 */
export function projectTool(projectDir: string, tool: string, args: readonly string[]): [string, string[]] {
  return ['node', [join(projectDir, 'node_modules', '.bin', tool), ...args]];
}

/** A short description of a failed command, for assertion messages. */
export function describeFailure(what: string, r: ExecResult): string {
  const status = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `${what}: ${status} after ${r.ms} ms\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Runs at most `n` tasks at once. */
export function limit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so there are never more than n.
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
