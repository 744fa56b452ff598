/**
 * `MemkitModule`: provides one `@memkit/client` `Client` built from the
 * module options and closes it when the application shuts down.
 */
import { Client } from '@memkit/client';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { MemkitConfigurableModule, type MemkitModuleOptions } from './module-definition';
import { MEMKIT_CLIENT, MEMKIT_MODULE_OPTIONS } from './tokens';

/**
 * Provides a memcached `Client` to the application.
 *
 * Inject it with `@InjectMemkit()` or by its class (`constructor(private readonly
 * memcached: Client)`). The client connects lazily, on its first command, and
 * is closed in `onApplicationShutdown`, after every `onModuleDestroy` and
 * `beforeApplicationShutdown` hook has run, so those hooks can still use it and
 * `app.close()` leaves no socket or timer behind.
 *
 * @example
 * ```ts
 * @Module({ imports: [MemkitModule.forRoot({ servers: ['127.0.0.1:11211'], isGlobal: true })] })
 * export class AppModule {}
 * ```
 * @example
 * ```ts
 * MemkitModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ servers: config.getOrThrow<string>('MEMCACHED_SERVERS').split(',') }),
 * })
 * ```
 */
@Module({
  providers: [
    {
      provide: MEMKIT_CLIENT,
      useFactory: (options: MemkitModuleOptions) => new Client(options),
      inject: [MEMKIT_MODULE_OPTIONS],
    },
    { provide: Client, useExisting: MEMKIT_CLIENT },
  ],
  exports: [MEMKIT_CLIENT, Client, MEMKIT_MODULE_OPTIONS],
})
export class MemkitModule extends MemkitConfigurableModule implements OnApplicationShutdown {
  // Explicit @Inject: works without emitDecoratorMetadata (esbuild, tsx, vitest).
  constructor(@Inject(MEMKIT_CLIENT) private readonly client: Client) {
    super();
  }

  /** Closes the client; pending commands fail with `ERR_CLIENT_CLOSED`. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
