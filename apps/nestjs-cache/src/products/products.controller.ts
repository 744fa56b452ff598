/**
 * `/products`: cached reads through `MemkitCacheInterceptor` (a drop-in for
 * `CacheInterceptor`: the request URL is the cache key, and each missing
 * response is computed once across every instance of the app), a search
 * route whose long query strings are cached like any other URL, and a write
 * that invalidates the cached responses it changes.
 */
import { CacheStaleTTL, MemkitCacheInterceptor } from '@memkit/nestjs/cache-interceptor';
import { CACHE_MANAGER, CacheTTL } from '@nestjs/cache-manager';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { type Product, ProductsService, type SearchResult } from './products.service';

/** The cache key `CacheInterceptor` uses for a GET: its URL. */
export const productKey = (id: number): string => `/products/${id}`;
const LIST_KEY = '/products';

@Controller('products')
@UseInterceptors(MemkitCacheInterceptor)
export class ProductsController {
  constructor(
    @Inject(ProductsService) private readonly products: ProductsService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /** All products; cached for 10 s. */
  @Get()
  @CacheTTL(10_000)
  list(): Promise<Product[]> {
    return this.products.list();
  }

  /**
   * Search; slow on a miss. Cached under its full URL (any length: URLs too
   * long for a memcached key are stored under their SHA-256), fresh for 30 s,
   * then served stale for up to 60 s more while ONE request refreshes it.
   */
  @Get('search')
  @CacheTTL(30_000)
  @CacheStaleTTL(60_000)
  search(@Query('q') q?: string): Promise<SearchResult> {
    if (typeof q !== 'string' || q.trim() === '') throw new BadRequestException('q is required');
    return this.products.search(q);
  }

  /** One product; slow on a miss, cached for 30 s. Errors (404) are never cached. */
  @Get(':id')
  @CacheTTL(30_000)
  async findOne(@Param('id', ParseIntPipe) id: number): Promise<Product> {
    const product = await this.products.find(id);
    if (!product) throw new NotFoundException(`no product ${id}`);
    return product;
  }

  /** Updates a product and drops the cached responses that showed the old data. */
  @Post(':id')
  async update(@Param('id', ParseIntPipe) id: number, @Body() body: unknown) {
    const { name, price } = (body ?? {}) as { name?: unknown; price?: unknown };
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      throw new BadRequestException('name must be a non-empty string');
    if (price !== undefined && (typeof price !== 'number' || !(price >= 0)))
      throw new BadRequestException('price must be a number >= 0');
    const updated = this.products.update(id, { name, price } as { name?: string; price?: number });
    if (!updated) throw new NotFoundException(`no product ${id}`);
    // POST responses are not cached (CacheInterceptor only caches GET), so no key for this route.
    await this.cache.mdel([productKey(id), LIST_KEY]);
    return updated;
  }
}
