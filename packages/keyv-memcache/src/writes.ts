/**
 * The adapter's batched writes at one namespace generation (setMany): one
 * `setMulti` per distinct TTL, in parallel, the servers' failures kept per
 * key (see failures.ts).
 */
import { isMemkitError } from '@memkit/client';
import { failedPositions, type IndexedFailure, reindex, type Tolerated, tolerate } from './failures';
import type { NamespaceScope } from './namespace';

/**
 * setMany's writes at one generation: one `setMulti` per distinct TTL (an
 * already expired entry is deleted instead, as a set of a dead value would
 * be), in parallel. A batch that failed as a whole fails its keys only.
 */
export async function storeMany(
  scope: NamespaceScope,
  keys: readonly string[],
  entries: ReadonlyArray<{ value: unknown; ttl: number }>,
): Promise<Tolerated<boolean[]>> {
  const byTtl = new Map<number, number[]>();
  entries.forEach((e, i) => {
    const group = byTtl.get(e.ttl) ?? [];
    group.push(i);
    byTtl.set(e.ttl, group);
  });
  const stored = keys.map(() => true);
  const failures: IndexedFailure[] = [];
  await Promise.all(
    [...byTtl].map(async ([ttl, positions]) => {
      const batch = positions.map((i) => keys[i]!);
      try {
        const done =
          ttl < 0
            ? await tolerate(scope.keys.deleteMulti(batch), batch).then((r) => ({ ...r, value: [] }))
            : await tolerate(
                scope.keys.setMulti(
                  positions.map((i) => [keys[i]!, entries[i]!.value] as const),
                  { ttl },
                ),
                batch,
              );
        const notStored = new Set(done.value);
        positions.forEach((i) => {
          if (notStored.has(keys[i]!)) stored[i] = false;
        });
        failures.push(...reindex(done.failures, positions));
      } catch (err) {
        // A server's failure costs its keys; anything else (a value too large) fails the call.
        if (!isMemkitError(err) || err.server === undefined) throw err;
        failures.push({ server: err.server, indexes: positions, error: err });
      }
    }),
  );
  for (const i of failedPositions(failures)) stored[i] = false;
  return { value: stored, failures };
}
