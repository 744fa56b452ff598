/**
 * One real memcached process for tests: picks a free port, writes its scratch files (authfile,
 * TLS cert/key), spawns memcached, waits until it answers `version`, and owns its lifecycle
 * (stop, signals, restart on the same port). Nothing here ever signals a pid it did not spawn.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemkitError } from '@memkit/protocol';
import { getFreePort } from '../ports';
import { generateTlsMaterial, type TlsMaterial } from '../tls';
import { buildMemcachedArgs } from './args';
import { rawCommand } from './raw';
import { trackChild, trackDir, trackInstance, untrackDir, untrackInstance } from './registry';

/** Username and password for memcached's ASCII auth (`-Y authfile`). */
export interface MemcachedAuth {
  username: string;
  password: string;
}

/** Options of {@link startMemcached}. Every field is optional. */
export interface StartMemcachedOptions {
  /** Extra memcached arguments, appended last (they win over the ones below). */
  args?: string[];
  /** Listen on this port instead of a free one (no retry when it is taken). */
  port?: number;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Listen on a unix socket instead of TCP (`-s path -a 0700`); `true` makes a temp path. */
  socketPath?: string | true;
  /** Enable TLS (`-Z`) with a generated CA + server cert, or with the given `material`. */
  tls?: boolean | { material?: TlsMaterial };
  /** Require ASCII auth with these credentials (`-Y authfile`). */
  auth?: MemcachedAuth;
  /** Item memory in megabytes (`-m`). Default: memcached's (64). */
  memoryMb?: number;
  /** Max item size (`-I`), e.g. `'2m'` or `2097152`. Default: memcached's (1m). */
  maxItemSize?: string | number;
  /** Worker threads (`-t`). Default 2. */
  threads?: number;
  /** The memcached binary. Default `process.env.MEMCACHED_BIN ?? '/usr/bin/memcached'`. */
  bin?: string;
  /** How long to wait for the server to answer. Default 5000 ms. */
  startTimeoutMs?: number;
}

/** A running (or stopped) test memcached. */
export interface MemcachedInstance {
  /** The interface it listens on. */
  readonly host: string;
  /** Its TCP port (0 when it listens on a unix socket). Stays the same across restarts. */
  readonly port: number;
  /** `'host:port'`, or the socket path for a unix socket server. */
  readonly address: string;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  /** The unix socket path, when started with `socketPath`. */
  readonly socketPath?: string;
  /** The TLS material (PEM) when started with `tls`; `ca` + `servername` go to `tls.connect`. */
  readonly tls?: TlsMaterial;
  /** The credentials, when started with `auth`. */
  readonly auth?: MemcachedAuth;
  /** The current child process. */
  readonly process: ChildProcess;
  /** The argv the current process was started with (without the binary). */
  readonly args: readonly string[];
  /** Whether the current process has not exited. */
  readonly running: boolean;
  /** The last few KB of the process's stdout + stderr. */
  output(): string;
  /** SIGTERM (then SIGKILL after 2 s) this pid only, remove scratch files. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGTERM) to this pid only; false if it is not running. */
  kill(signal?: NodeJS.Signals | number): boolean;
  /** Stops the process if running and starts a new one on the same port, socket, TLS and auth. */
  restart(): Promise<void>;
}

const TAIL_CHARS = 4096;
const KILL_AFTER_MS = 2000;
const POLL_MS = 25;
const PORT_ATTEMPTS = 5;

interface ExitInfo {
  code?: number | null;
  signal?: NodeJS.Signals | null;
  error?: Error;
}

function describeExit(exit: ExitInfo): string {
  if (exit.error) return `failed to spawn: ${exit.error.message}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function unref(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

class MemcachedServer implements MemcachedInstance {
  readonly host: string;
  port: number;
  readonly socketPath?: string;
  readonly tls?: TlsMaterial;
  readonly auth?: MemcachedAuth;
  args: readonly string[] = [];
  private child?: ChildProcess;
  private exited: Promise<ExitInfo> = Promise.resolve({});
  private tail = '';
  private chain: Promise<void> = Promise.resolve();
  private pendingStop?: Promise<void>;

  constructor(
    private readonly options: StartMemcachedOptions,
    private readonly dir: string,
    tls: TlsMaterial | undefined,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    const socketPath = options.socketPath === true ? join(dir, 'memcached.sock') : options.socketPath;
    if (socketPath !== undefined) this.socketPath = socketPath;
    if (tls) this.tls = tls;
    if (options.auth) this.auth = { ...options.auth };
  }

  get address(): string {
    return this.socketPath ?? `${this.host}:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get process(): ChildProcess {
    if (!this.child) throw new MemkitError('ERR_CONNECT', 'memcached was never spawned');
    return this.child;
  }

  get running(): boolean {
    const child = this.child;
    return (
      child !== undefined && child.pid !== undefined && child.exitCode === null && child.signalCode === null
    );
  }

  output(): string {
    return this.tail;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    return this.running ? this.child!.kill(signal) : false;
  }

  stop(): Promise<void> {
    this.pendingStop ??= this.enqueue(async () => {
      await this.terminate();
      await rm(this.dir, { recursive: true, force: true });
      untrackDir(this.dir);
      if (this.options.socketPath !== undefined && this.options.socketPath !== true) {
        await unlink(this.options.socketPath).catch(() => undefined);
      }
      untrackInstance(this);
    });
    return this.pendingStop;
  }

  restart(): Promise<void> {
    // Cleared now, not when the op runs, so a stop() called right after restart() queues a new
    // stop behind it instead of returning the earlier (already resolved) one.
    this.pendingStop = undefined;
    return this.enqueue(async () => {
      await this.terminate();
      // Same port: retry briefly in case the old socket is still being torn down.
      await this.launchWithRetry(() => Promise.resolve(this.port), PORT_ATTEMPTS, 100);
      trackInstance(this);
    });
  }

  /** First start: a free port unless one was given. */
  async start(): Promise<void> {
    const fixed = this.options.port !== undefined || this.socketPath !== undefined;
    await this.launchWithRetry(
      () => (fixed ? Promise.resolve(this.port) : getFreePort(this.host)),
      fixed ? 1 : PORT_ATTEMPTS,
      0,
    );
    trackInstance(this);
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const result = this.chain.then(op);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async launchWithRetry(choosePort: () => Promise<number>, attempts: number, delayMs: number) {
    for (let attempt = 1; ; attempt++) {
      this.port = await choosePort();
      try {
        return await this.launch();
      } catch (err) {
        const inUse = /Address already in use/i.test(this.tail);
        if (!inUse || attempt >= attempts) throw err;
        if (delayMs > 0) await sleep(delayMs);
      }
    }
  }

  private async writeFiles(): Promise<{ authFile?: string; tlsCertFile?: string; tlsKeyFile?: string }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    trackDir(this.dir);
    const files: { authFile?: string; tlsCertFile?: string; tlsKeyFile?: string } = {};
    if (this.auth) {
      files.authFile = join(this.dir, 'auth.txt');
      await writeFile(files.authFile, `${this.auth.username}:${this.auth.password}\n`, { mode: 0o600 });
    }
    if (this.tls) {
      files.tlsCertFile = join(this.dir, 'server.pem');
      files.tlsKeyFile = join(this.dir, 'server.key');
      await writeFile(files.tlsCertFile, this.tls.cert, { mode: 0o600 });
      await writeFile(files.tlsKeyFile, this.tls.key, { mode: 0o600 });
    }
    return files;
  }

  private async launch(): Promise<void> {
    const files = await this.writeFiles();
    const args = buildMemcachedArgs({
      host: this.host,
      port: this.port,
      ...(this.socketPath === undefined ? {} : { socketPath: this.socketPath }),
      threads: this.options.threads ?? 2,
      ...(this.options.memoryMb === undefined ? {} : { memoryMb: this.options.memoryMb }),
      ...(this.options.maxItemSize === undefined ? {} : { maxItemSize: this.options.maxItemSize }),
      ...files,
      runAsRoot: process.getuid?.() === 0,
      extra: this.options.args ?? [],
    });
    const bin = this.options.bin ?? process.env.MEMCACHED_BIN ?? '/usr/bin/memcached';
    this.args = args;
    this.tail = '';
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const append = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (error) => resolve({ error }));
      // 'close' (not 'exit') so the stderr tail is complete when we report it.
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    trackChild(child);
    // A forgotten server must not keep the test process alive; the exit hook kills it.
    child.unref();
    unref(child.stdout);
    unref(child.stderr);
    await this.waitReady(bin);
  }

  private async waitReady(bin: string): Promise<void> {
    let exit: ExitInfo | undefined;
    void this.exited.then((info) => {
      exit = info;
    });
    const timeoutMs = this.options.startTimeoutMs ?? 5000;
    const deadline = performance.now() + timeoutMs;
    let lastError: unknown;
    while (performance.now() < deadline) {
      if (exit)
        throw this.startError('ERR_CONNECT', bin, `${describeExit(exit)} before answering`, exit.error);
      try {
        // `stats` rather than `version`: its pid proves the answer comes from our process and
        // not from another server that holds the port (then ours is about to fail to bind).
        const reply = await rawCommand(this, 'stats\r\n', { timeoutMs: 1000, idleMs: 1000 });
        if (reply.includes(`\r\nSTAT pid ${this.pid}\r\n`) || reply.startsWith(`STAT pid ${this.pid}\r\n`))
          return;
        lastError = new Error(`unexpected reply to stats: ${JSON.stringify(reply.slice(0, 80))}`);
      } catch (err) {
        lastError = err;
        if ((err as MemkitError).code === 'ERR_AUTH') break;
      }
      await sleep(POLL_MS);
    }
    await this.terminate();
    const reason = (lastError as Error | undefined)?.message ?? 'no reply';
    throw this.startError('ERR_TIMEOUT', bin, `did not answer within ${timeoutMs} ms (${reason})`, lastError);
  }

  private startError(code: 'ERR_CONNECT' | 'ERR_TIMEOUT', bin: string, what: string, cause: unknown) {
    const output = this.tail.trim();
    return new MemkitError(
      code,
      `memcached ${this.address} (${bin} ${this.args.join(' ')}) ${what}` +
        (output ? `; output:\n${output}` : '; no output'),
      { cause, server: this.address },
    );
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      await this.exited;
      return;
    }
    child.kill('SIGTERM');
    // A SIGSTOPped memcached only acts on SIGTERM once continued.
    child.kill('SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

function validate(options: StartMemcachedOptions): void {
  const bad = (message: string): never => {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `startMemcached: ${message}`);
  };
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    bad(`threads must be an integer >= 1, got ${options.threads}`);
  }
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)
  ) {
    bad(`port must be 1-65535, got ${options.port}`);
  }
  if (options.auth) {
    if (!/^[^\s:]+$/.test(options.auth.username))
      bad('auth.username must be non-empty, without spaces or ":"');
    if (!/^\S+$/.test(options.auth.password)) bad('auth.password must be non-empty, without whitespace');
  }
}

/**
 * Starts a real memcached for a test and resolves once it answers `stats` with its own pid. Rejects with
 * `ERR_CONNECT` (it exited early) or `ERR_TIMEOUT`, the message carrying its output tail.
 *
 * @example
 * const mc = await startMemcached();
 * await rawCommand(mc, 'set a 0 0 1\r\nx\r\n'); // 'STORED\r\n'
 * await mc.stop();
 */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedInstance> {
  validate(options);
  const tls =
    options.tls === true
      ? await generateTlsMaterial()
      : typeof options.tls === 'object'
        ? (options.tls.material ?? (await generateTlsMaterial()))
        : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'memkit-mc-'));
  trackDir(dir);
  const server = new MemcachedServer(options, dir, tls);
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
