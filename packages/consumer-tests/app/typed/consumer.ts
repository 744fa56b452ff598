// A typed consumer of every package, type-checked (never run) under moduleResolution nodenext,
// bundler and node10. `@ts-expect-error` lines prove the types are real: if a package resolved to
// `any`, the expected error would be missing and the check would fail.
import { CliError, ExitCode, run } from '@memkit/cli';
import { Client, isMemkitError, MemkitError } from '@memkit/client';
import { MemkitStore } from '@memkit/express-session';
import { createKeyv, KeyvMemkit } from '@memkit/keyv';
import { InjectMemkit, MEMKIT_CLIENT, MemkitModule, memkitCacheStore } from '@memkit/nestjs';
import { MemkitHealthIndicator } from '@memkit/nestjs/health';
import { encodeGet, ReplyDecoder } from '@memkit/protocol';
import { type MemkitServer, startServer } from '@memkit/server';
import { Injectable, Module } from '@nestjs/common';
import type { Store } from 'express-session';

export async function useClient(): Promise<number> {
  const client = new Client({ servers: ['127.0.0.1:11211'], timeout: 500 });
  const stored: boolean = await client.set('user:1', { name: 'Ada' }, { ttl: 60 });
  const hits: Map<string, unknown> = await client.getMulti(['user:1']);
  const user = await client.get<{ name: string }>('user:1');
  const name: string | undefined = user?.name;
  const counter: bigint | undefined = await client.incr('n', 1);
  const report: { rows: number } = await client.getOrSet('report', async () => ({ rows: 1 }), { ttl: 60 });
  // @ts-expect-error TTLs are numbers
  await client.set('k', 1, { ttl: 'soon' });
  try {
    await client.get('bad key');
  } catch (err) {
    if (isMemkitError(err)) {
      const code: string = err.code;
      void code;
    }
    if (err instanceof MemkitError) void err.message;
  }
  await client.close();
  return (stored ? 1 : 0) + hits.size + (name?.length ?? 0) + Number(counter ?? 0n) + report.rows;
}

export async function useServer(): Promise<string> {
  const server: MemkitServer = await startServer({ port: 0 });
  // @ts-expect-error the port is a number
  await startServer({ port: 'any' });
  await server.close();
  return server.address;
}

export function useProtocol(): number {
  const decoder = new ReplyDecoder();
  return encodeGet('get', ['a']).length + (decoder ? 1 : 0);
}

export function useKeyv(): KeyvMemkit {
  const keyv = createKeyv('127.0.0.1:11211', { namespace: 'users', ttl: 60_000 });
  void keyv.set('a', 1);
  // @ts-expect-error the namespace is a string
  createKeyv('127.0.0.1:11211', { namespace: 42 });
  return new KeyvMemkit(['127.0.0.1:11211'], { namespace: 'n' });
}

export function useSession(): Store {
  // @ts-expect-error the key prefix is a string
  new MemkitStore({ servers: ['127.0.0.1:11211'], keyPrefix: 1 });
  return new MemkitStore({ servers: ['127.0.0.1:11211'], keyPrefix: 'sess:' });
}

@Injectable()
export class UsesClient {
  constructor(@InjectMemkit() readonly client: Client) {}
}

@Module({
  imports: [MemkitModule.forRoot({ servers: ['127.0.0.1:11211'], isGlobal: true })],
  providers: [
    UsesClient,
    MemkitHealthIndicator,
    { provide: 'store', useFactory: (c: Client) => memkitCacheStore(c), inject: [MEMKIT_CLIENT] },
  ],
})
export class AppModule {}

export async function useCli(): Promise<number> {
  const code = await run(['node', 'memkit', '--help']);
  const ok: boolean = code === ExitCode.OK;
  return ok ? 0 : new CliError('x', ExitCode.USAGE).exitCode;
}
