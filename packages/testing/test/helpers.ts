/** Small socket helpers shared by the tests: connect, collect bytes, wait for close/error. */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** Connects to 127.0.0.1:port and resolves once connected. */
export function openSocket(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Everything a socket receives and how it ended. */
export interface Capture {
  chunks: Buffer[];
  readonly bytes: Buffer;
  readonly text: string;
  ended: boolean;
  closed: boolean;
  error: NodeJS.ErrnoException | undefined;
  /** Resolves when the socket has closed. */
  whenClosed: Promise<void>;
}

/** Records what `socket` receives from now on. */
export function capture(socket: Socket): Capture {
  const result: Capture = {
    chunks: [],
    get bytes() {
      return Buffer.concat(this.chunks);
    },
    get text() {
      return Buffer.concat(this.chunks).toString('latin1');
    },
    ended: false,
    closed: false,
    error: undefined,
    whenClosed: new Promise((resolve) => {
      socket.once('close', () => {
        result.closed = true;
        resolve();
      });
    }),
  };
  socket.on('data', (chunk: Buffer) => result.chunks.push(chunk));
  socket.on('end', () => {
    result.ended = true;
  });
  socket.on('error', (err) => {
    result.error = err;
  });
  return result;
}

/** Polls `predicate` every 5 ms until it is true or `timeoutMs` passes. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/**
 * Whether a pid is a live process. A zombie counts as dead: an orphaned memcached is reparented
 * to PID 1, which in a container may reap it late, and `kill(pid, 0)` succeeds on zombies.
 */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is the first.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
