/**
 * Routes each decoded request to its command handler. `quit` is the
 * connection's business, so it is reported back instead of handled here.
 */
import type { Request } from '@memkit/protocol';
import {
  handleFlushAll,
  handleLruCrawler,
  handleMemLimit,
  handleMetadump,
  handleShutdown,
  handleUnsupported,
  handleVerbosity,
  handleVersion,
} from './commands/admin';
import { handleArithmetic, handleMetaArithmetic } from './commands/arithmetic';
import { handleConfigGet } from './commands/config';
import { handleDelete, handleTouch } from './commands/item-ops';
import { handleMetaDebug, handleMetaDelete, handleMetaGet } from './commands/meta';
import { handleRetrieval } from './commands/retrieval';
import { handleStats } from './commands/stats';
import { handleMetaSet, handleStorage, handleTooLargeBlock } from './commands/storage';
import type { Context } from './context';

/** What the connection must do after a request: carry on, or close after writing. */
export type Next = 'continue' | 'quit';

/** Executes one request, queuing its reply on `ctx.out`. */
export function dispatch(ctx: Context, req: Request): Next {
  switch (req.type) {
    case 'storage':
      handleStorage(ctx, req);
      break;
    case 'retrieval':
      handleRetrieval(ctx, req);
      break;
    case 'delete':
      handleDelete(ctx, req);
      break;
    case 'arithmetic':
      handleArithmetic(ctx, req);
      break;
    case 'touch':
      handleTouch(ctx, req);
      break;
    case 'stats':
      handleStats(ctx, req);
      break;
    case 'flush_all':
      handleFlushAll(ctx, req);
      break;
    case 'verbosity':
      handleVerbosity(ctx, req);
      break;
    case 'cache_memlimit':
      handleMemLimit(ctx, req);
      break;
    case 'version':
      handleVersion(ctx);
      break;
    case 'quit':
      return 'quit';
    case 'shutdown':
      handleShutdown(ctx);
      break;
    case 'mn':
      ctx.out.line('MN');
      break;
    case 'metadump':
      handleMetadump(ctx, req);
      break;
    case 'lru_crawler':
      handleLruCrawler(ctx, req);
      break;
    case 'unsupported':
      handleUnsupported(ctx, req);
      break;
    case 'mg':
      handleMetaGet(ctx, req);
      break;
    case 'ms':
      handleMetaSet(ctx, req);
      break;
    case 'md':
      handleMetaDelete(ctx, req);
      break;
    case 'ma':
      handleMetaArithmetic(ctx, req);
      break;
    case 'me':
      handleMetaDebug(ctx, req);
      break;
    case 'config':
      handleConfigGet(ctx, req);
      break;
    case 'bad':
      if (req.tooLarge !== undefined) handleTooLargeBlock(ctx, req);
      else if (!req.noreply) ctx.out.line(req.message);
      break;
  }
  return 'continue';
}
