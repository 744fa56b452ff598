/**
 * `GET /stats`: memcached's own counters per server, read with the client
 * `MemkitModule` provides (a server that is down shows its error).
 */
import type { Client } from '@memkit/client';
import { InjectMemkit } from '@memkit/nestjs';
import { Controller, Get, Inject } from '@nestjs/common';
import { ProductsService } from './products/products.service';

const FIELDS = [
  'version',
  'uptime',
  'curr_items',
  'bytes',
  'curr_connections',
  'cmd_get',
  'cmd_set',
  'get_hits',
  'get_misses',
  'get_expired',
  'evictions',
] as const;

@Controller('stats')
export class StatsController {
  constructor(
    @InjectMemkit() private readonly memcached: Client,
    @Inject(ProductsService) private readonly products: ProductsService,
  ) {}

  @Get()
  async stats() {
    const servers: Record<string, Record<string, string | number>> = {};
    for (const result of await this.memcached.stats()) {
      // A server that did not answer is shown with its error; the others as usual.
      if (!result.ok) {
        servers[result.server] = { error: result.error.code, message: result.error.message };
        continue;
      }
      const stats = result.value;
      const picked: Record<string, string | number> = {};
      for (const field of FIELDS) {
        const value = stats[field];
        if (value !== undefined) picked[field] = field === 'version' ? value : Number(value);
      }
      const hits = Number(stats.get_hits ?? 0);
      const lookups = hits + Number(stats.get_misses ?? 0);
      picked.hit_ratio = lookups === 0 ? 0 : Math.round((hits / lookups) * 1000) / 1000;
      servers[result.server] = picked;
    }
    return { servers, app: { slowLookups: this.products.lookups, slowSearches: this.products.searches } };
  }
}
