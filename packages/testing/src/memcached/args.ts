/**
 * The memcached command line for a test server. Pure: options in, argv out, so the flag
 * spelling for memcached 1.6 lives in one place.
 */

/** Everything that decides the argv of one memcached process. */
export interface MemcachedArgsInput {
  host: string;
  port: number;
  socketPath?: string;
  threads: number;
  memoryMb?: number;
  maxItemSize?: string | number;
  authFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** memcached refuses to run as root without `-u`. */
  runAsRoot: boolean;
  /** Appended last, so they can override anything above. */
  extra: readonly string[];
}

/** Builds the argv (without the binary) for one memcached process. */
export function buildMemcachedArgs(input: MemcachedArgsInput): string[] {
  // -U 0: no UDP, so parallel servers never fight over UDP 11211.
  const args = ['-U', '0', '-t', String(input.threads)];
  if (input.socketPath !== undefined) args.push('-s', input.socketPath, '-a', '0700');
  else args.push('-l', input.host, '-p', String(input.port));
  if (input.memoryMb !== undefined) args.push('-m', String(input.memoryMb));
  if (input.maxItemSize !== undefined) args.push('-I', String(input.maxItemSize));
  if (input.authFile !== undefined) args.push('-Y', input.authFile);
  if (input.tlsCertFile !== undefined && input.tlsKeyFile !== undefined) {
    args.push('-Z', '-o', `ssl_chain_cert=${input.tlsCertFile},ssl_key=${input.tlsKeyFile}`);
  }
  if (input.runAsRoot) args.push('-u', 'root');
  args.push(...input.extra);
  return args;
}
