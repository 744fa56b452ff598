/**
 * Injection tokens of @memkit/nestjs. They are plain strings rather than
 * symbols or classes so that two copies of the package (an ESM and a CJS
 * build side by side) still agree on them.
 */

/**
 * Token of the `Client` that `MemkitModule` provides. `@InjectMemkit()` is
 * `@Inject(MEMKIT_CLIENT)`; the `Client` class works as a token too.
 */
export const MEMKIT_CLIENT = 'MEMKIT_CLIENT';

/** Token of the options `MemkitModule.forRoot()` / `forRootAsync()` resolved. */
export const MEMKIT_MODULE_OPTIONS = 'MEMKIT_MODULE_OPTIONS';
