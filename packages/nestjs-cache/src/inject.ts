/**
 * `@InjectMemkit()`: the parameter decorator for the client `MemkitModule`
 * provides.
 */
import { Inject } from '@nestjs/common';
import { MEMKIT_CLIENT } from './tokens';

/**
 * Injects the `Client` provided by `MemkitModule`. Unlike injection by type, it
 * needs no `emitDecoratorMetadata`, so it also works under esbuild-based tools.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class StatsService {
 *   constructor(@InjectMemkit() private readonly memcached: Client) {}
 * }
 * ```
 */
export function InjectMemkit(): PropertyDecorator & ParameterDecorator {
  return Inject(MEMKIT_CLIENT);
}
