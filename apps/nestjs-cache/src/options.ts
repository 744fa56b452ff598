/**
 * The app's own options (`AppModule.forRoot`) and their injection token.
 */

/** Options of `AppModule.forRoot()`. */
export interface AppOptions {
  /** memcached servers (`host:port`). */
  servers: string[];
  /** How long a product lookup pretends to take, in ms. Default 500. */
  slowMs?: number;
  /** Where the app logs each slow search it runs. Default: nowhere. */
  log?: (line: string) => void;
}

/** Injection token of the resolved {@link AppOptions}. */
export const APP_OPTIONS = 'APP_OPTIONS';

/** The namespace of the cache in memcached: keys are `nestjs-cache:<generation>:<url>`. */
export const CACHE_NAMESPACE = 'nestjs-cache';
