/**
 * The product catalogue: an in-memory table behind a deliberately slow
 * lookup, standing in for a database or a remote API worth caching.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { APP_OPTIONS, type AppOptions } from '../options';

/** A product as the API returns it. */
export interface Product {
  id: number;
  name: string;
  price: number;
  /** When this response was computed: it stays the same while the response is served from the cache. */
  computedAt: string;
}

const SEED: ReadonlyArray<Omit<Product, 'computedAt'>> = [
  { id: 1, name: 'Espresso machine', price: 349 },
  { id: 2, name: 'Burr grinder', price: 129 },
  { id: 3, name: 'Milk jug', price: 19 },
];

/** What `GET /products/search` returns. */
export interface SearchResult {
  q: string;
  results: Product[];
  /** When this response was computed: it stays the same while it is served from the cache. */
  computedAt: string;
}

@Injectable()
export class ProductsService {
  /** How many slow lookups ran (cache misses). */
  lookups = 0;
  /** How many slow searches ran in this process (one per cold query across every instance). */
  searches = 0;
  private readonly log: ((line: string) => void) | undefined;
  private readonly rows = new Map(SEED.map((p) => [p.id, { ...p }]));
  private readonly slowMs: number;

  constructor(@Inject(APP_OPTIONS) options: AppOptions) {
    this.slowMs = options.slowMs ?? 500;
    this.log = options.log;
  }

  /** One product after the slow lookup, or `undefined`. */
  async find(id: number): Promise<Product | undefined> {
    await sleep(this.slowMs);
    this.lookups++;
    const row = this.rows.get(id);
    return row && { ...row, computedAt: new Date().toISOString() };
  }

  /** Every product, after the slow lookup. */
  async list(): Promise<Product[]> {
    await sleep(this.slowMs);
    this.lookups++;
    const computedAt = new Date().toISOString();
    return [...this.rows.values()].map((row) => ({ ...row, computedAt }));
  }

  /** Products whose name contains every word of `q` (case-insensitive), after the slow lookup. */
  async search(q: string): Promise<SearchResult> {
    await sleep(this.slowMs);
    this.searches++;
    const shown = q.length > 60 ? `${q.slice(0, 57)}...` : q;
    this.log?.(`  search ran for q=${JSON.stringify(shown)} (searches in this process: ${this.searches})`);
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const computedAt = new Date().toISOString();
    const results = [...this.rows.values()]
      .filter((row) => words.every((w) => row.name.toLowerCase().includes(w)))
      .map((row) => ({ ...row, computedAt }));
    return { q, results, computedAt };
  }

  /** Changes a product's name and/or price; `undefined` when there is no such product. */
  update(id: number, patch: { name?: string; price?: number }): Omit<Product, 'computedAt'> | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.price !== undefined) row.price = patch.price;
    return { ...row };
  }
}
