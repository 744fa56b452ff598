/**
 * `@memkit/nestjs/health`: `MemkitHealthIndicator`, a `@nestjs/terminus`
 * indicator reporting each memcached server as up or down. A separate entry
 * point so that `@nestjs/terminus` stays an optional peer.
 */
import { Client, isMemkitError } from '@memkit/client';
import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { MemkitModuleOptions } from './module-definition';
import { MEMKIT_CLIENT, MEMKIT_MODULE_OPTIONS } from './tokens';

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
    @Inject(MEMKIT_MODULE_OPTIONS) private readonly options: MemkitModuleOptions,
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
    try {
      // The common case costs one round trip per server on the existing connections.
      const versions = await this.client.version({ timeout });
      const out: Record<string, MemkitServerHealth> = {};
      for (const [address, version] of Object.entries(versions)) out[address] = { status: 'up', version };
      return out;
    } catch {
      // `version` fails as a whole when one server fails; ask each server alone to tell which.
      const servers = this.client.servers();
      const results = await Promise.all(servers.map((address) => this.probe(address, timeout)));
      return Object.fromEntries(servers.map((address, i) => [address, results[i]!]));
    }
  }

  private async probe(address: string, timeout: number): Promise<MemkitServerHealth> {
    // One server, named: not the discovery that found it.
    const { discovery: _d, resolver: _r, ...options } = this.options;
    const probe = new Client({ ...options, servers: [address], timeout, connectTimeout: timeout });
    try {
      const versions = await probe.version();
      return { status: 'up', version: Object.values(versions)[0] ?? '' };
    } catch (err) {
      return isMemkitError(err)
        ? { status: 'down', code: err.code, message: err.message }
        : { status: 'down', message: String(err) };
    } finally {
      await probe.close();
    }
  }
}
