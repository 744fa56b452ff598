// A throw-away TLS identity for the TLS workloads: a self-signed certificate
// (made with the system's openssl) for 127.0.0.1 and localhost. The same file
// is the server's certificate and the clients' CA, so clients that verify
// certificates keep verification on; nothing here disables it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * @returns {{ dir: string, certFile: string, keyFile: string, ca: Buffer, remove(): void }}
 */
export function makeSelfSignedCert({ openssl = process.env.BENCH_OPENSSL_BIN || 'openssl' } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const r = spawnSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not make a TLS certificate with ${openssl}: ${r.error?.message ?? r.stderr.trim()} (TLS workloads need openssl)`,
    );
  }
  return {
    dir,
    certFile,
    keyFile,
    ca: readFileSync(certFile),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** memcached arguments that serve TLS on its port with this certificate. */
export function memcachedTlsArgs(cert) {
  return ['-Z', '-o', `ssl_chain_cert=${cert.certFile},ssl_key=${cert.keyFile}`];
}
