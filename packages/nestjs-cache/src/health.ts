/**
 * `@memkit/nestjs/health`: `MemkitHealthIndicator`, a `@nestjs/terminus`
 * indicator reporting each memcached server as up or down. A separate entry
 * point so that `@nestjs/terminus` stays an optional peer.
 */
import type { Client } from '@memkit/client';
import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MEMKIT_CLIENT } from './tokens';

/** Options of {@link MemkitHealthIndicator.isHealthy}. */
export interface MemkitHealthCheckOptions {
  /** How long each server may take to answer `version`, in milliseconds. Default `1000`. */
  timeout?: number;
}

/** The state of one server in the indicator's `servers` detail. */
export interface MemkitServerHealth {
  /** `up` when the server answered `version` in time, else `down`. */
  status: 'up' | 'down';
  /** The server's `version` reply, when it is up. */
  version?: string;
  /** The `MemkitError` code, when it is down (`ERR_CONNECT`, `ERR_TIMEOUT`, …). */
  code?: string;
  /** The error message, when it is down. */
  message?: string;
}

const DEFAULT_TIMEOUT_MS = 1000;

/**
 * A terminus health indicator for the `MemkitModule` client: asks every server
 * for its `version` and reports `{ status, servers: { [address]: MemkitServerHealth } }`.
 * The indicator is `down` when any server is down.
 *
 * Add it to the providers of the module that imports `TerminusModule` (the
 * `MemkitModule` must be global or imported there too).
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.memcached.isHealthy('memcached')]);
 * }
 * ```
 */
@Injectable()
export class MemkitHealthIndicator {
  // Explicit @Inject: works without emitDecoratorMetadata (esbuild, tsx, vitest).
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(MEMKIT_CLIENT) private readonly client: Client,
  ) {}

  /** Checks every server; the result is keyed by `key` (default `'memcached'`). */
  async isHealthy<const Key extends string = 'memcached'>(
    key: Key = 'memcached' as Key,
    options: MemkitHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const servers = await this.check(options.timeout ?? DEFAULT_TIMEOUT_MS);
    const allUp = Object.values(servers).every((s) => s.status === 'up');
    return allUp ? indicator.up({ servers }) : indicator.down({ servers });
  }

  private async check(timeout: number): Promise<Record<string, MemkitServerHealth>> {
    // One round trip per server on the client's own connections; a server that fails is an entry, not a rejection.
    const results = await this.client.version({ timeout });
    const out: Record<string, MemkitServerHealth> = {};
    for (const r of results) {
      out[r.server] = r.ok
        ? { status: 'up', version: r.value }
        : { status: 'down', code: r.error.code, message: r.error.message };
    }
    return out;
  }
}
