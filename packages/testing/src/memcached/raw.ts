/**
 * Raw sockets to a test memcached, independent of the memkit client: connect over TCP, unix
 * socket or TLS, authenticate when the server needs it, send bytes and read the reply. Tests
 * use these to check server state without trusting the code under test.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { MemkitError } from '@memkit/protocol';
import { countReplies } from './reply';

/** Where a memcached listens and how to talk to it; a `MemcachedInstance` is one. */
export interface RawTarget {
  host: string;
  port: number;
  /** When set, connect to this unix socket instead of host:port. */
  socketPath?: string;
  /** When set, speak TLS trusting this CA and checking this server name. */
  tls?: { ca: string; servername: string };
  /** When set, send the ASCII auth handshake first. */
  auth?: { username: string; password: string };
}

/** Options of {@link connectRaw}. */
export interface ConnectRawOptions {
  /** Give up connecting (and authenticating) after this long. Default 2000 ms. */
  timeoutMs?: number;
  /** Send the auth handshake when the target has `auth`. Default true. */
  authenticate?: boolean;
  /** Credentials to use instead of the target's (e.g. a wrong password). */
  auth?: { username: string; password: string };
  /** Extra `tls.connect` options, e.g. `{ ca: otherCa }` or `{ servername: 'wrong' }`. */
  tlsOptions?: ConnectionOptions;
}

/** Options of {@link rawCommand}. */
export interface RawCommandOptions extends ConnectRawOptions {
  /** Resolve once this many complete replies arrived. Default 1. */
  replies?: number;
  /** Resolve with what was read after this long without data. Default 300 ms. */
  idleMs?: number;
}

function describe(target: RawTarget): string {
  return target.socketPath ?? `${target.host}:${target.port}`;
}

/**
 * Reads from `socket` until `replies` complete replies arrived, the socket closed, or it was idle
 * for `idleMs`; resolves with what was read (latin1 decoded, so one char per byte). Socket errors
 * during the read end it like a close.
 */
export function readReplies(socket: Socket, replies = 1, idleMs = 300): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', finish);
      socket.off('error', ignore);
      resolve(text);
    };
    // A reset while reading ends the read like a close ('close' follows); what arrived is returned.
    const ignore = (): void => undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const state = countReplies(text);
      if (state.atBoundary && state.replies >= replies) finish();
      else arm();
    };
    socket.on('data', onData);
    socket.once('close', finish);
    socket.on('error', ignore);
    arm();
  });
}

function open(target: RawTarget, options: ConnectRawOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.tls
      ? tlsConnect({
          host: target.host,
          port: target.port,
          ...(target.socketPath === undefined ? {} : { path: target.socketPath }),
          ca: target.tls.ca,
          servername: target.tls.servername,
          ...options.tlsOptions,
        })
      : target.socketPath !== undefined
        ? netConnect({ path: target.socketPath })
        : netConnect({ host: target.host, port: target.port });
    let tcpConnected = false;
    socket.once('connect', () => {
      tcpConnected = true;
    });
    const fail = (err: Error, code?: 'ERR_TIMEOUT'): void => {
      clearTimeout(timer);
      socket.destroy();
      // Once TCP is up, a TLS socket can only fail in the handshake (bad CA, wrong name, ...).
      const reason = code ?? (target.tls && tcpConnected ? 'ERR_TLS' : 'ERR_CONNECT');
      reject(
        new MemkitError(reason, `cannot connect to memcached ${describe(target)}: ${err.message}`, {
          cause: err,
          server: describe(target),
        }),
      );
    };
    const timeoutMs = options.timeoutMs ?? 2000;
    const timer = setTimeout(
      () => fail(new Error(`no connection after ${timeoutMs} ms`), 'ERR_TIMEOUT'),
      timeoutMs,
    );
    socket.once('error', fail);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/**
 * Opens a socket to `target` and, if it needs auth, authenticates with memcached's ASCII
 * handshake (`set <any> 0 0 <len>\r\n<user> <pass>\r\n` → `STORED`). The caller owns the socket.
 * Rejects with `ERR_CONNECT`, `ERR_TIMEOUT`, `ERR_TLS` or `ERR_AUTH`.
 */
export async function connectRaw(target: RawTarget, options: ConnectRawOptions = {}): Promise<Socket> {
  const socket = await open(target, options);
  const auth = options.auth ?? target.auth;
  if (!auth || options.authenticate === false) return socket;
  const token = Buffer.from(`${auth.username} ${auth.password}`);
  socket.write(Buffer.concat([Buffer.from(`set auth 0 0 ${token.length}\r\n`), token, Buffer.from('\r\n')]));
  const reply = await readReplies(socket, 1, options.timeoutMs ?? 2000);
  if (reply === 'STORED\r\n') return socket;
  socket.destroy();
  throw new MemkitError(
    'ERR_AUTH',
    `memcached ${describe(target)} refused auth: ${reply.trim() || 'no reply'}`,
    {
      server: describe(target),
      command: 'auth',
    },
  );
}

/**
 * Sends `command` (raw bytes, e.g. `'stats\r\n'`) on a fresh connection and resolves with the
 * reply text once `replies` replies are complete, the server closed, or it stayed silent for
 * `idleMs` (then with whatever arrived, possibly `''`).
 */
export async function rawCommand(
  target: RawTarget,
  command: string | Uint8Array,
  options: RawCommandOptions = {},
): Promise<string> {
  const socket = await connectRaw(target, options);
  try {
    const reply = readReplies(socket, options.replies ?? 1, options.idleMs ?? 300);
    socket.write(command);
    return await reply;
  } finally {
    socket.destroy();
  }
}

/** Runs `stats` (or `stats <group>`) and returns the `STAT name value` lines as a record. */
export async function rawStats(target: RawTarget, group = ''): Promise<Record<string, string>> {
  const reply = await rawCommand(target, group ? `stats ${group}\r\n` : 'stats\r\n');
  const stats: Record<string, string> = {};
  for (const line of reply.split('\r\n')) {
    const match = /^STAT (\S+) (.*)$/.exec(line);
    if (match) stats[match[1]!] = match[2]!;
  }
  return stats;
}

/**
 * Waits until the server's own clock (its `time` stat, the clock its expiry
 * reads) has moved `seconds` forward. For expiry tests against real
 * memcached: a TTL of n seconds is certainly over once its clock moved n + 1
 * (it ticks once a second), whatever the load on the machine, with no sleep
 * guessed in milliseconds. Rejects if the clock does not get there within
 * `seconds` + 10 s.
 */
export async function waitServerSeconds(target: RawTarget, seconds: number): Promise<void> {
  const time = async () => Number((await rawStats(target)).time);
  const until = (await time()) + seconds;
  const giveUp = performance.now() + seconds * 1000 + 10_000;
  while ((await time()) < until) {
    if (performance.now() > giveUp) {
      throw new Error(`${describe(target)}: its clock did not move ${seconds} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
