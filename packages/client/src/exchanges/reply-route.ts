/**
 * The one place where replies meet exchanges. Error replies (`SERVER_ERROR`,
 * `CLIENT_ERROR`, `ERROR`, `ERROR <reason>`) become a `MemkitError` here,
 * before any exchange sees them (node-redis routes its error replies the same
 * way, in `onErrorReply`), so an exchange only ever parses the replies of
 * its own command and cannot forget to map an error.
 */
import { type ErrorReply, MemkitError, type Reply } from '@memkit/protocol';
import type { Exchange } from './exchange';

/** Hands `reply` to `exchange` (its error form for error replies); true when the exchange is done. */
export function deliverReply(exchange: Exchange, reply: Reply, server: string): boolean {
  switch (reply.type) {
    case 'SERVER_ERROR':
    case 'CLIENT_ERROR':
      return exchange.onError(errorOfReply(reply, exchange, server), server);
    case 'ERROR': {
      const err = errorOfReply({ type: 'ERROR', message: reply.message }, exchange, server);
      // Only a bare ERROR says the command is unknown; `ERROR <reason>` is a refusal of service.
      if (reply.message === undefined) return exchange.onUnknownCommand(err, server);
      return exchange.onError(err, server);
    }
    default:
      return exchange.onReply(reply, server);
  }
}

/** An error reply: `SERVER_ERROR`/`CLIENT_ERROR <message>`, or `ERROR` with an optional reason. */
export type ErrorLikeReply = ErrorReply | { type: 'ERROR'; message?: string | undefined };

/** The `MemkitError` an error reply stands for, for `exchange` on `server`. */
export function errorOfReply(reply: ErrorLikeReply, exchange: Exchange, server: string): MemkitError {
  const command = exchange.command;
  const context = { server, command };
  switch (reply.type) {
    case 'SERVER_ERROR':
      return new MemkitError('ERR_SERVER', `${server} ${command}: SERVER_ERROR ${reply.message}`, context);
    case 'CLIENT_ERROR':
      if (reply.message === 'unauthenticated') {
        return new MemkitError(
          'ERR_AUTH',
          `${server} requires authentication: pass auth: { username, password } to the client`,
          context,
        );
      }
      return new MemkitError(
        'ERR_CLIENT_ERROR',
        `${server} ${command}: CLIENT_ERROR ${reply.message}`,
        context,
      );
    case 'ERROR':
      // `ERROR <reason>` is the server refusing service (memcached at its connection limit
      // sends `ERROR Too many open connections`, then closes); only a bare ERROR means the
      // command is unknown.
      if (reply.message !== undefined) {
        return new MemkitError('ERR_SERVER', `${server} ${command}: ERROR ${reply.message}`, context);
      }
      if (exchange.meta) {
        return new MemkitError(
          'ERR_UNSUPPORTED',
          `${server} does not understand the meta protocol (memcached >= 1.6 is needed); ` +
            "create the client with protocol: 'text' (or 'auto', which learns it per server) to talk to this server",
          context,
        );
      }
      return new MemkitError('ERR_CLIENT_ERROR', `${server} ${command}: ERROR`, context);
  }
}
