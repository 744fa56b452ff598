/**
 * The `ConfigurableModuleBuilder` definition behind `MemkitModule`: the
 * option types and the generated `forRoot` / `forRootAsync` methods, with an
 * `isGlobal` extra that makes the module global.
 */
import type { ClientOptions } from '@memkit/client';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { MEMKIT_MODULE_OPTIONS } from './tokens';

/**
 * Options of `MemkitModule.forRoot()` and of the `useFactory` of
 * `forRootAsync()`: the `@memkit/client` options (`servers`, `keyPrefix`,
 * `timeout`, … with the client's defaults; TTLs on the client are seconds).
 */
export type MemkitModuleOptions = ClientOptions;

/** Options the module definition adds to the client options. */
export interface MemkitModuleExtras {
  /** Register the module globally, so feature modules need not import it. Default `false`. */
  isGlobal: boolean;
}

/** @internal The generated module class and its option types. */
export const {
  ConfigurableModuleClass: MemkitConfigurableModule,
  OPTIONS_TYPE: MEMKIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MEMKIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MemkitModuleOptions>({ optionsInjectionToken: MEMKIT_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras<MemkitModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** What `MemkitModule.forRoot()` takes: client options plus `isGlobal`. */
export type MemkitForRootOptions = typeof MEMKIT_OPTIONS_TYPE;

/** What `MemkitModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` (or `useClass`/`useExisting`) and `isGlobal`. */
export type MemkitForRootAsyncOptions = typeof MEMKIT_ASYNC_OPTIONS_TYPE;
