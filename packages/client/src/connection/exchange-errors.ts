/**
 * The errors a connection settles an exchange with when its deadline passes
 * or its caller aborts it, naming the server and the command.
 */
import { MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import type { Exchange } from '../exchanges/exchange';

/** ERR_TIMEOUT for `req` on `node`. */
export function timeoutError(node: ServerNode, req: Exchange): MemkitError {
  return new MemkitError('ERR_TIMEOUT', `${node.address} ${req.command}: timed out`, {
    server: node.address,
    command: req.command,
  });
}

/** ERR_ABORTED for `req` on `node`, with the signal's reason as cause. */
export function abortError(node: ServerNode, req: Exchange): MemkitError {
  return new MemkitError('ERR_ABORTED', `${node.address} ${req.command}: aborted`, {
    cause: req.signal?.reason,
    server: node.address,
    command: req.command,
  });
}
