/**
 * The calls the routes take part in, each as the client's own method plus
 * the route's part: reads (warm-up on a miss, mirrored and compared by the
 * shadow) and writes (a delete of the key in the old cluster first, then
 * mirrored). Each replacement is set on the client instance, so the class's
 * methods stay the fast path of clients without routes.
 */
import type { Client } from '../client';
import type { GetOrSetOptions, Loader } from '../commands/get-or-set';
import type { MultiOptions } from '../commands/multi';
import type { CasResult } from '../commands/retrieval';
import type { CommandOptions } from '../options';
import { detached, type Routes } from './install';
import { casValue, compareMaps, type Shadow } from './shadow';
import { contextOf } from './warm-up';

type Key = string | Uint8Array;

/** Sets `name` on `client` to `make(the class's method)`. */
function replace<K extends keyof Client>(client: Client, name: K, make: (own: Client[K]) => Client[K]): void {
  (client as unknown as Record<string, unknown>)[name as string] = make(client[name]);
}

export function wrapReads(client: Client, { warmUp, shadow }: Routes): void {
  replace(client, 'get', (own) => {
    return function get(this: Client, key: Key, opts?: CommandOptions) {
      const deadline = warmUp ? deadlineOf(this, opts) : 0;
      const first = own.call(this, key, opts);
      // A hit (the steady state) costs one `then`, no async function.
      const result = warmUp
        ? first.then((v) => (v === undefined ? warmUp.get(this, key, v, deadline) : v))
        : first;
      if (shadow?.picks(key)) shadow.read(this, result, (s) => s.get(key, detached(opts)));
      return result as never;
    };
  });
  replace(client, 'gets', (own) => {
    return function gets(this: Client, key: Key, opts?: CommandOptions) {
      const deadline = warmUp ? deadlineOf(this, opts) : 0;
      const first = own.call(this, key, opts);
      const again = (timeout: number) => own.call(this, key, { ...opts, timeout });
      const result = warmUp ? first.then((v) => warmUp.gets(this, key, v, again, deadline)) : first;
      if (shadow?.picks(key)) shadow.read(this, result, (s) => s.gets(key, detached(opts)), sameCasValue);
      return result as never;
    };
  });
  if (shadow) wrapGat(client, shadow);
  for (const name of ['getMulti', 'getsMulti'] as const) {
    replace(client, name, (own) => {
      const call = own as (k: readonly string[], o?: MultiOptions) => Promise<Map<string, unknown>>;
      return function getMulti(this: Client, keys: readonly string[], opts?: MultiOptions) {
        const deadline = warmUp ? deadlineOf(this, opts) : 0;
        const first = call.call(this, keys, opts);
        const again =
          name === 'getsMulti'
            ? (ks: string[], timeout: number) => call.call(this, ks, { ...opts, timeout })
            : undefined;
        const result = warmUp
          ? first.then((m) =>
              m.size === keys.length ? m : warmUp.getMulti(this, keys, m, opts?.keyPrefix, again, deadline),
            )
          : first;
        const picked = shadow && Array.isArray(keys) ? keys.filter((k) => shadow.picks(k)) : [];
        if (shadow && picked.length > 0) {
          const compare = compareMaps(picked, name === 'getsMulti' ? casValue : undefined);
          const mirror = (s: Client) => s[name](picked, detached(opts)) as Promise<Map<string, unknown>>;
          shadow.read(this, result, mirror, compare);
        }
        return result as never;
      };
    });
  }
  replace(client, 'getOrSet', (own) => {
    return function getOrSet<T>(this: Client, key: string, loader: Loader<T>, opts?: GetOrSetOptions) {
      const timeout = opts?.timeout ?? contextOf(this).options.timeout;
      const load = warmUp ? warmUp.loader(this, key, loader, timeout) : loader;
      const result = own.call(this, key, load, opts) as Promise<T>;
      if (shadow?.picks(key))
        shadow.readAfter(this, result, (s, value) => s.getOrSet(key, () => value, detached(opts)));
      return result;
    };
  });
}

/** gat / gats: mirrored and compared (they do not warm: their TTL is the caller's anyway). */
function wrapGat(client: Client, shadow: Shadow): void {
  for (const name of ['gat', 'gats'] as const) {
    replace(client, name, (own) => {
      const call = own as (k: Key, t: number, o?: CommandOptions) => Promise<unknown>;
      return function gat(this: Client, key: Key, ttl: number, opts?: CommandOptions) {
        const result = call.call(this, key, ttl, opts);
        if (shadow.picks(key)) {
          const compare = name === 'gats' ? sameCasValue : undefined;
          shadow.read(this, result, (s) => s[name](key, ttl, detached(opts)), compare);
        }
        return result as never;
      };
    });
  }
}

export function wrapWrites(client: Client, routes: Routes): void {
  const { shadow } = routes;
  const warmUp = invalidation(routes);
  for (const name of ['set', 'add', 'replace', 'append', 'prepend'] as const) {
    replace(
      client,
      name,
      (own) =>
        function store(this: Client, key: Key, value: never, opts?: CommandOptions) {
          const pending = warmUp?.invalidate(this, key, opts);
          const result = own.call(this, key, value, opts);
          if (shadow?.picks(key)) shadow.write(this, (s) => s[name](key, value, detached(opts)));
          return after(result, pending);
        },
    );
  }
  replace(
    client,
    'cas',
    (own) =>
      function cas(this: Client, key: Key, value: unknown, unique: bigint, opts?: CommandOptions) {
        const pending = warmUp?.invalidate(this, key, opts);
        const result = own.call(this, key, value, unique, opts);
        // The shadow's CAS uniques are its own: what a successful cas did there is a set.
        if (shadow?.picks(key))
          result.then(
            (ok) => ok && shadow.write(this, (s) => s.set(key, value, detached(opts))),
            () => undefined,
          );
        return after(result, pending);
      },
  );
  replace(
    client,
    'delete',
    (own) =>
      function del(this: Client, key: Key, opts?: CommandOptions) {
        const pending = warmUp?.invalidate(this, key, opts);
        const result = own.call(this, key, opts);
        if (shadow?.picks(key)) shadow.write(this, (s) => s.delete(key, detached(opts)));
        return after(result, pending);
      },
  );
  replace(
    client,
    'touch',
    (own) =>
      function touch(this: Client, key: Key, ttl: number, opts?: CommandOptions) {
        const pending = warmUp?.invalidate(this, key, opts);
        const result = own.call(this, key, ttl, opts);
        if (shadow?.picks(key)) shadow.write(this, (s) => s.touch(key, ttl, detached(opts)));
        return after(result, pending);
      },
  );
  for (const name of ['incr', 'decr'] as const) {
    replace(
      client,
      name,
      (own) =>
        function arithmetic(this: Client, key: Key, delta?: number | bigint, opts?: CommandOptions) {
          const pending = warmUp?.invalidate(this, key, opts);
          const result = own.call(this, key, delta, opts);
          if (shadow?.picks(key)) shadow.write(this, (s) => s[name](key, delta, detached(opts)));
          return after(result, pending);
        },
    );
  }
  wrapMultiWrites(client, routes);
}

function wrapMultiWrites(client: Client, routes: Routes): void {
  const { shadow } = routes;
  const warmUp = invalidation(routes);
  replace(
    client,
    'setMulti',
    (own) =>
      function setMulti(this: Client, entries: never, opts?: { keyPrefix?: string; ttl?: number }) {
        const list = listOf(entries);
        if (list === undefined || !list.every((e) => Array.isArray(e) && typeof e[0] === 'string'))
          return own.call(this, (list ?? entries) as never, opts);
        const pending = warmUp?.invalidateMany(
          this,
          list.map((e) => e[0]),
          opts,
        );
        const result = own.call(this, list, opts);
        const picked = shadow ? list.filter((e) => shadow.picks(e[0])) : [];
        if (shadow && picked.length > 0) shadow.write(this, (s) => s.setMulti(picked, detached(opts)));
        return after(result, pending);
      },
  );
  replace(
    client,
    'deleteMulti',
    (own) =>
      function deleteMulti(this: Client, keys: readonly string[], opts?: { keyPrefix?: string }) {
        if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
          return own.call(this, keys, opts);
        const pending = warmUp?.invalidateMany(this, keys, opts);
        const result = own.call(this, keys, opts);
        const picked = shadow ? keys.filter((k) => shadow.picks(k)) : [];
        if (shadow && picked.length > 0) shadow.write(this, (s) => s.deleteMulti(picked, detached(opts)));
        return after(result, pending);
      },
  );
}

/** When a read must be over: the old cluster's part of it shares the call's timeout. */
function deadlineOf(view: Client, opts: CommandOptions | undefined): number {
  return performance.now() + (opts?.timeout ?? contextOf(view).options.timeout);
}

/** The deletes a write sends to the old cluster first (none once the client is closed: the call is refused). */
interface Invalidation {
  invalidate(view: Client, key: Key, opts: CommandOptions | undefined): Promise<void> | undefined;
  invalidateMany(
    view: Client,
    keys: readonly string[],
    opts: (CommandOptions & { keyPrefix?: string }) | undefined,
  ): Promise<void> | undefined;
}

function invalidation(routes: Routes): Invalidation | undefined {
  const w = routes.warmUp;
  if (!w) return undefined;
  return {
    invalidate: (view, key, opts) =>
      routes.closed ? undefined : w.invalidate(view, key, deadlineOf(view, opts)),
    invalidateMany: (view, keys, opts) =>
      routes.closed ? undefined : w.invalidateMany(view, keys, opts?.keyPrefix, deadlineOf(view, opts)),
  };
}

/**
 * The write's own result, once the old cluster's delete of its keys settled
 * too (it never fails the write, and shares its timeout): when a write
 * resolved, no other process can find the old value there any more. A write
 * that fails rejects at once.
 */
function after<T>(result: Promise<T>, pending: Promise<void> | undefined): Promise<T> {
  return pending ? result.then((r) => pending.then(() => r)) : result;
}

/** setMulti's entries as a list (iterated once); undefined when they cannot be (the call rejects them). */
function listOf(entries: unknown): Array<readonly [string, unknown]> | undefined {
  if (typeof entries !== 'object' || entries === null) return undefined;
  try {
    return Symbol.iterator in entries
      ? [...(entries as Iterable<readonly [string, unknown]>)]
      : Object.entries(entries);
  } catch {
    return undefined;
  }
}

function sameCasValue(a: unknown, b: unknown) {
  const mine = a as CasResult<unknown> | undefined;
  const theirs = b as CasResult<unknown> | undefined;
  return compareMaps(['k'])(new Map([['k', mine?.value]]), new Map([['k', theirs?.value]]));
}
