/**
 * `config get cluster`: answered with the published node list when the
 * server runs as a configuration endpoint; like memcached (which has no
 * `config` command), every other server answers `ERROR`.
 */
import type { ConfigGetRequest } from '@memkit/protocol';
import type { Context } from '../context';

/** `config get <key>`. */
export function handleConfigGet(ctx: Context, req: ConfigGetRequest): void {
  const block = ctx.cluster.block;
  if (block === undefined || req.key !== 'cluster') {
    ctx.out.line('ERROR');
    return;
  }
  ctx.out.line(`CONFIG cluster 0 ${block.length}`);
  ctx.out.block(block);
  ctx.out.line('END');
}
