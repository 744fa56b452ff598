/**
 * Vitest global setup: starts the memcached servers (TCP, unix socket, TLS) and prepares the
 * tarballs, runtimes and consumer projects once for all test files.
 */
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import type { TestProject } from 'vitest/node';
import { cacheRoot } from '../src/paths';
import { type Manifest, prepare, writeCa } from '../src/prepare';

declare module 'vitest' {
  export interface ProvidedContext {
    consumer: Manifest;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: MemcachedInstance[] = [];
  try {
    const tcp = await startMemcached();
    started.push(tcp);
    const unix = await startMemcached({ socketPath: true });
    started.push(unix);
    const tls = await startMemcached({ tls: true });
    started.push(tls);
    if (tls.tls === undefined || unix.socketPath === undefined)
      throw new Error('memcached did not start as asked');
    const manifest = await prepare({
      tcp: tcp.address,
      unix: unix.socketPath,
      tls: tls.address,
      tlsCaFile: writeCa(cacheRoot(), tls.tls.ca),
      tlsServername: tls.tls.servername,
    });
    const installed = manifest.projects.filter((p) => p.installed).map((p) => `${p.name} ${p.installMs} ms`);
    process.stderr.write(
      `consumer: packed ${manifest.packed.length} packages in ${manifest.timings.packMs} ms; ` +
        `runtimes and projects ready in ${manifest.timings.prepareMs} ms ` +
        `(${installed.length > 0 ? `installed ${installed.join(', ')}` : 'all from the cache'}); cache ${manifest.cache}\n`,
    );
    project.provide('consumer', manifest);
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  return async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
}
