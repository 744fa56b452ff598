import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { Controller, Get, type INestApplication, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemkitHealthIndicator } from '../src/health';
import { MemkitModule } from '../src/index';

@Controller('health')
class HealthController {
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

let a: MemcachedInstance;
let b: MemcachedInstance;
let app: INestApplication;

beforeAll(async () => {
  [a, b] = await Promise.all([startMemcached({ memoryMb: 16 }), startMemcached({ memoryMb: 16 })]);
  const moduleRef = await Test.createTestingModule({
    imports: [
      MemkitModule.forRoot({ servers: [a.address, b.address], isGlobal: true, connectTimeout: 500 }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [HealthController],
    providers: [MemkitHealthIndicator],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
});
afterAll(async () => {
  await app?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('MemkitHealthIndicator', () => {
  it('reports every server up with its version', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.memcached).toEqual({
      status: 'up',
      servers: {
        [a.address]: { status: 'up', version: '1.6.18' },
        [b.address]: { status: 'up', version: '1.6.18' },
      },
    });
  });

  it('reports which server is down, and recovers when it is back', async () => {
    await b.stop();
    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(res.body.status).toBe('error');
    const detail = res.body.error.memcached;
    expect(detail.status).toBe('down');
    expect(detail.servers[a.address]).toEqual({ status: 'up', version: '1.6.18' });
    expect(detail.servers[b.address]).toMatchObject({ status: 'down', code: 'ERR_CONNECT' });
    expect(detail.servers[b.address].message).toContain(b.address);

    await b.restart();
    await expect
      .poll(async () => (await request(app.getHttpServer()).get('/health')).status, {
        timeout: 5000,
        interval: 100,
      })
      .toBe(200);
  });
});
