/**
 * Binds `@MemkitCached` methods to `MemkitModule`'s client: when the module
 * initialises, every singleton provider and controller instance whose class
 * declares cached methods gets the client view they use (the module's client
 * with `keyMapping: 'auto'`, so any key string works).
 */
import type { Client } from '@memkit/client';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { bindCachedMethods, hasCachedMethods } from './cached';
import { MEMKIT_CLIENT } from './tokens';

@Injectable()
export class MemkitCachedExplorer implements OnModuleInit {
  // Explicit @Inject: works without emitDecoratorMetadata (esbuild, tsx, vitest).
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MEMKIT_CLIENT) private readonly client: Client,
  ) {}

  onModuleInit(): void {
    const view = this.client.withKeyOptions({ keyMapping: 'auto' });
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (wrapper.isDependencyTreeStatic() && typeof instance === 'object' && instance !== null) {
        if (hasCachedMethods(instance)) bindCachedMethods(instance, view);
      }
    }
  }
}
