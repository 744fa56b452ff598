/**
 * Opens the raw transport for a server: TCP (no-delay, keep-alive), a unix
 * socket, or TLS with certificate verification on by default. Resolves once
 * the transport is usable (TLS: after the handshake), rejects with a typed
 * `ERR_CONNECT`/`ERR_TLS` error, and enforces the connect timeout.
 */
import net from 'node:net';
import tls from 'node:tls';
import { MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import type { TlsOptions } from '../options';

export interface OpenOptions {
  connectTimeout: number;
  keepAlive: number;
  tls: TlsOptions | undefined;
}

/** Node's `onread` socket option: the socket reads into `buffer()` and reports to `callback`. */
export interface OnRead {
  buffer: () => Uint8Array;
  /** Returning false would pause the socket. */
  callback: (nread: number, buf: Uint8Array) => boolean;
}

/**
 * Whether sockets read into the buffers the connection hands them (`onread`),
 * rather than delivering 'data' events. Node asks `buffer()` again after
 * every read, which is what lets the connection give each read fresh memory
 * (receive.ts); other runtimes may reuse the first buffer, so they keep
 * 'data' events.
 */
export const readsInPlace =
  typeof process === 'object' &&
  process.release?.name === 'node' &&
  process.versions.bun === undefined &&
  !('Deno' in globalThis);

const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Opens a transport to `node`. The returned socket is connected and ready for bytes.
 * `signal` abandons the attempt: the half-open socket and the connect timer go at once.
 */
export function openSocket(
  node: ServerNode,
  o: OpenOptions,
  signal?: AbortSignal,
  onread?: OnRead,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(node, o.tls, onread);
    const readyEvent = o.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      fail(new MemkitError('ERR_CONNECT', `${node.address}: connect timed out after ${o.connectTimeout} ms`));
    }, o.connectTimeout);
    const onError = (err: NodeJS.ErrnoException) => fail(classify(node, err));
    const onClose = () => fail(new MemkitError('ERR_CONNECT', `${node.address}: closed while connecting`));
    const onAbort = () => fail(new MemkitError('ERR_CONNECT', `${node.address}: connect abandoned`));
    function cleanup() {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off(readyEvent, onReady);
      signal?.removeEventListener('abort', onAbort);
    }
    function fail(err: MemkitError) {
      cleanup();
      socket.destroy();
      reject(err);
    }
    function onReady() {
      cleanup();
      socket.setNoDelay(true);
      if (o.keepAlive > 0) socket.setKeepAlive(true, o.keepAlive);
      resolve(socket);
    }
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(readyEvent, onReady);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function createSocket(node: ServerNode, t: TlsOptions | undefined, onread: OnRead | undefined): net.Socket {
  // A discovered node is dialled at its IP but verified against its name.
  const host = node.ip ?? node.host;
  const where = node.socketPath ? { path: node.socketPath } : { host, port: node.port };
  if (!t) return net.connect(onread ? { ...where, onread } : where);
  const servername = t.servername ?? (net.isIP(node.host) ? undefined : node.host);
  return tls.connect({
    ...where,
    ...(onread ? { onread } : {}),
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    servername,
    rejectUnauthorized: t.rejectUnauthorized ?? true,
    // The certificate is checked against the servername, else the node's name (never a dialled IP).
    checkServerIdentity: (dialled, cert) =>
      tls.checkServerIdentity(t.servername ?? (node.ip === undefined ? dialled : node.host), cert),
  });
}

function classify(node: ServerNode, err: NodeJS.ErrnoException): MemkitError {
  const code = err.code ?? '';
  const isTls = TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS');
  return new MemkitError(isTls ? 'ERR_TLS' : 'ERR_CONNECT', `${node.address}: ${err.message}`, {
    cause: err,
    server: node.address,
  });
}
