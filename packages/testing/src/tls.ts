/**
 * Throwaway TLS material for tests: a self-signed CA and a server certificate signed by it, made
 * at run time with the `openssl` CLI (fast EC P-256 keys; Debian ships it, `.ci/run` installs
 * it). Keys are read back as PEM strings and the scratch directory is removed at once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemkitError } from '@memkit/protocol';

/** A CA plus a server certificate and key it signed, all PEM. */
export interface TlsMaterial {
  /** The CA certificate that signed `cert`; pass it as `ca` to `tls.connect`. */
  ca: string;
  /** The server certificate (leaf). */
  cert: string;
  /** The server private key. */
  key: string;
  /** The name the certificate is valid for; pass it as `servername` to `tls.connect`. */
  servername: string;
}

/** Options of {@link generateTlsMaterial}. */
export interface GenerateTlsOptions {
  /** DNS name in the certificate's CN and SAN. Default `'localhost'`. */
  servername?: string;
  /** IP addresses added to the SAN. Default `['127.0.0.1']`. */
  ipAddresses?: string[];
  /** Validity in days. Default 2. */
  days?: number;
  /** The openssl binary. Default `process.env.OPENSSL_BIN ?? 'openssl'`. */
  openssl?: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function run(bin: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, timeout: 15_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const hint = missing ? ' (install openssl or set OPENSSL_BIN)' : `: ${String(stderr).trim()}`;
      reject(new MemkitError('ERR_TLS', `openssl ${args[0]} failed${hint}`, { cause: err }));
    });
  });
}

/**
 * Generates a fresh CA and a server certificate for `servername` (+ the IP SANs) signed by it.
 * Each call makes a different CA, so a second call is also the "wrong CA" for negative tests.
 */
export async function generateTlsMaterial(options: GenerateTlsOptions = {}): Promise<TlsMaterial> {
  const servername = options.servername ?? 'localhost';
  const ips = options.ipAddresses ?? ['127.0.0.1'];
  const days = String(options.days ?? 2);
  const bin = options.openssl ?? process.env.OPENSSL_BIN ?? 'openssl';
  const dir = await mkdtemp(join(tmpdir(), 'memkit-tls-'));
  try {
    const san = [`DNS:${servername}`, ...ips.map((ip) => `IP:${ip}`)].join(',');
    await writeFile(
      join(dir, 'server.ext'),
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n` +
        'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
    );
    await run(
      bin,
      ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days]
        .concat(['-subj', '/CN=memkit test CA', '-addext', 'basicConstraints=critical,CA:TRUE'])
        .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
      dir,
    );
    await run(
      bin,
      ['req', '-new', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${servername}`],
      dir,
    );
    const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    await run(
      bin,
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        serial,
      ].concat(['-days', days, '-extfile', 'server.ext', '-out', 'server.pem']),
      dir,
    );
    const [ca, cert, key] = await Promise.all(
      ['ca.pem', 'server.pem', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return { ca: ca!, cert: cert!, key: key!, servername };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
