import { Client, isMemkitError } from '@memkit/client';
import { type MemcachedInstance, rawCommand, rawStats, startMemcached } from '@memkit/testing';
import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InjectMemkit, MEMKIT_CLIENT, MEMKIT_MODULE_OPTIONS, MemkitModule } from '../src/index';

let mc: MemcachedInstance;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
});
afterAll(async () => {
  await mc.stop();
});

@Injectable()
class ByDecorator {
  constructor(@InjectMemkit() readonly client: Client) {}
}

// Relies on emitDecoratorMetadata (swc in vitest.config.ts): injection by type, as most Nest apps write it.
@Injectable()
class ByType {
  constructor(readonly client: Client) {}
}

@Injectable()
class ByClassToken {
  constructor(@Inject(Client) readonly client: Client) {}
}

@Injectable()
class WritesOnDestroy implements OnModuleDestroy {
  constructor(@InjectMemkit() private readonly client: Client) {}
  async onModuleDestroy(): Promise<void> {
    await this.client.set('nest:written-on-destroy', 'bye');
  }
}

@Module({ providers: [ByDecorator], exports: [ByDecorator] })
class FeatureModule {}

async function closedCode(client: Client): Promise<string | undefined> {
  try {
    await client.get('nest:any');
    return undefined;
  } catch (err) {
    return isMemkitError(err) ? err.code : String(err);
  }
}

function handleCounts(): { tcp: number; timeouts: number } {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return { tcp: counts.TCPSocketWrap ?? 0, timeouts: counts.Timeout ?? 0 };
}

describe('MemkitModule.forRoot', () => {
  it('provides one client, injectable by decorator, by type, by class token and by token', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MemkitModule.forRoot({ servers: [mc.address], keyPrefix: 'nest-test:' })],
      providers: [ByDecorator, ByType, ByClassToken],
    }).compile();
    const app = await moduleRef.init();

    const client = app.get<Client>(MEMKIT_CLIENT);
    expect(client).toBeInstanceOf(Client);
    expect(app.get(ByDecorator).client).toBe(client);
    expect(app.get(ByType).client).toBe(client);
    expect(app.get(ByClassToken).client).toBe(client);
    expect(app.get(Client)).toBe(client);
    expect(app.get(MEMKIT_MODULE_OPTIONS)).toEqual({ servers: [mc.address], keyPrefix: 'nest-test:' });
    expect(client.servers()).toEqual([mc.address]);

    await app.get(ByType).client.set('greeting', 'hello', { ttl: 60 });
    expect(await rawCommand(mc, 'get nest-test:greeting\r\n')).toBe(
      'VALUE nest-test:greeting 16 5\r\nhello\r\nEND\r\n',
    );
    await app.close();
  });

  it('is visible to feature modules without importing it when isGlobal is set', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MemkitModule.forRoot({ servers: [mc.address], isGlobal: true }), FeatureModule],
    }).compile();
    const app = await moduleRef.init();
    expect(app.get(ByDecorator).client).toBe(app.get(Client));
    // isGlobal is a module extra, not a client option.
    expect(app.get(MEMKIT_MODULE_OPTIONS)).toEqual({ servers: [mc.address] });
    await app.close();
  });

  it('stays private to the importing module without isGlobal', async () => {
    const compiling = Test.createTestingModule({
      imports: [MemkitModule.forRoot({ servers: [mc.address] }), FeatureModule],
    }).compile();
    await expect(compiling).rejects.toThrow(/MEMKIT_CLIENT/);
  });
});

describe('MemkitModule.forRootAsync', () => {
  it('builds the client from ConfigService', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MemkitModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ MEMCACHED: mc.address })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            servers: config.getOrThrow<string>('MEMCACHED').split(','),
            keyPrefix: 'async:',
          }),
          isGlobal: true,
        }),
        FeatureModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    const client = app.get(ByDecorator).client;
    expect(client.servers()).toEqual([mc.address]);
    expect(app.get(MEMKIT_MODULE_OPTIONS)).toEqual({ servers: [mc.address], keyPrefix: 'async:' });

    expect(await client.set('configured', 'yes')).toBe(true);
    expect(await rawCommand(mc, 'get async:configured\r\n')).toBe(
      'VALUE async:configured 16 3\r\nyes\r\nEND\r\n',
    );
    await app.close();
  });

  it('accepts an async factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MemkitModule.forRootAsync({
          useFactory: async () => {
            await new Promise((r) => setTimeout(r, 5));
            return { servers: [mc.address], timeout: 500 };
          },
        }),
      ],
      providers: [ByDecorator],
    }).compile();
    const app = await moduleRef.init();
    expect(await app.get(ByDecorator).client.version()).toEqual([
      { server: mc.address, ok: true, value: '1.6.18' },
    ]);
    await app.close();
  });
});

describe('shutdown', () => {
  it('closes the client on app.close(), after onModuleDestroy hooks, leaving no sockets or timers', async () => {
    const before = handleCounts();
    const serverBefore = Number((await rawStats(mc)).curr_connections);

    const moduleRef = await Test.createTestingModule({
      imports: [MemkitModule.forRoot({ servers: [mc.address], connectionsPerServer: 2 })],
      providers: [ByDecorator, WritesOnDestroy],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const client = app.get(ByDecorator).client;
    await Promise.all([client.set('nest:a', 1), client.set('nest:b', 2), client.get('nest:a')]);
    // An idle server's next command goes to its second socket: both are open now.
    await client.get('nest:b');
    expect(handleCounts().tcp).toBeGreaterThan(before.tcp);
    expect(Number((await rawStats(mc)).curr_connections)).toBeGreaterThan(serverBefore);

    await app.close();

    // A provider's onModuleDestroy still had a working client.
    expect(await rawCommand(mc, 'get nest:written-on-destroy\r\n')).toBe(
      'VALUE nest:written-on-destroy 16 3\r\nbye\r\nEND\r\n',
    );
    expect(await closedCode(client)).toBe('ERR_CLIENT_CLOSED');
    await vi.waitFor(() => expect(handleCounts()).toEqual(before), { timeout: 2000, interval: 20 });
    await vi.waitFor(async () => expect(Number((await rawStats(mc)).curr_connections)).toBe(serverBefore), {
      timeout: 2000,
      interval: 50,
    });
  });
});
