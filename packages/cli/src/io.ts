/**
 * Where commands write and read: the process's streams in the real bin,
 * anything in tests or when the CLI is embedded. Also the one place that
 * waits for Ctrl-C, so long-running commands can shut down cleanly.
 */
/** The streams a command uses. */
export interface CliIo {
  /** Writes to standard output (text or raw bytes). */
  out(chunk: string | Uint8Array): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Standard input, for `memkit set <key>` without a value. */
  stdin: NodeJS.ReadableStream;
  /** Whether standard output is a terminal (watch redraws in place only then). */
  isTTY: boolean;
  /**
   * Resolves when the user asks to stop (SIGINT/SIGTERM in the real bin), or
   * when `signal` aborts (the command finished by itself); either way it
   * removes its listeners.
   */
  untilStopped(signal?: AbortSignal): Promise<void>;
}

/** The process's own streams and signals. */
export function processIo(): CliIo {
  return {
    out: (chunk) => process.stdout.write(chunk),
    err: (text) => process.stderr.write(text),
    stdin: process.stdin,
    isTTY: process.stdout.isTTY === true,
    untilStopped: (signal) =>
      new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        if (signal?.aborted) stop();
        else signal?.addEventListener('abort', stop, { once: true });
      }),
  };
}

/** Reads a whole stream into one Buffer. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
