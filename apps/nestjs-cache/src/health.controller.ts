/**
 * `GET /health`: a terminus health check with `MemkitHealthIndicator`
 * (200 when every memcached server answers, 503 with the details otherwise).
 */
import { MemkitHealthIndicator } from '@memkit/nestjs/health';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(MemkitHealthIndicator) private readonly memcached: MemkitHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.memcached.isHealthy('memcached', { timeout: 500 })]);
  }
}
